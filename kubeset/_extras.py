"""The optional dependency groups ("extras") of the ``kubeset`` distribution.

The entry points that need an extra (``clientgen``, ``python -m kubeset.envtest``, a
:class:`kubeset.envtest.ControlPlane`) check for its packages first and fail with one line that
names the extra to install, never with an ``ImportError`` traceback. This module imports only the
standard library, so the check itself cannot fail.
"""

from __future__ import annotations

import importlib.util
import sys

__all__ = ["EXTRAS", "exit_if_missing", "install_hint", "missing_message", "missing_packages"]

#: The top-level modules each extra provides (those kubeset imports).
EXTRAS: dict[str, tuple[str, ...]] = {
    "gen": ("jinja2", "datamodel_code_generator", "ruff"),
    "envtest": ("cryptography",),
}

# Module name -> distribution name, where they differ (the message names what to pip install).
_DISTRIBUTIONS = {"datamodel_code_generator": "datamodel-code-generator"}


def install_hint(extra: str) -> str:
    """``pip install 'kubeset[<extra>]'``."""
    return f"pip install 'kubeset[{extra}]'"


def _importable(module: str) -> bool:
    """True when ``module`` can be imported (without importing it)."""
    if module in sys.modules:
        return sys.modules[module] is not None
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def missing_packages(extra: str, error: ImportError | None = None) -> list[str]:
    """The distributions of ``extra`` that are not installed, in the extra's order.

    ``error``, an ``ImportError`` just caught, counts its module as missing even when a module of
    that name exists but fails to import.
    """
    failed = (error.name or "").partition(".")[0] if error is not None else ""
    return [
        _DISTRIBUTIONS.get(module, module)
        for module in EXTRAS[extra]
        if module == failed or not _importable(module)
    ]


def missing_message(extra: str, what: str, missing: list[str]) -> str:
    """The one-line error: ``<what> needs packages that are not installed (<missing>): <hint>``."""
    return (
        f"{what} needs packages that are not installed ({', '.join(missing)}): "
        f"{install_hint(extra)}"
    )


def exit_if_missing(extra: str, prog: str, what: str, error: ImportError | None = None) -> None:
    """For a command line: if a package of ``extra`` is missing, print one line
    (``<prog>: <what> needs ...``) on stderr and exit with status 2. Otherwise return, so the
    caller re-raises ``error`` (an unrelated import failure is a bug, and keeps its traceback).
    """
    missing = missing_packages(extra, error)
    if missing:
        print(f"{prog}: {missing_message(extra, what, missing)}", file=sys.stderr, flush=True)
        raise SystemExit(2)
