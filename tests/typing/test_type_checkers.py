"""The models as type checkers see them with no plugin: ``mypy --strict`` and pyright's strict mode
over the programs in ``examples/``.

``ok_*.py`` must check clean. In ``err_*.py`` each line that must fail ends with a marker naming
the errors, as mypy's codes, then pyright's rules where they are not the usual counterpart::

    ObjectMeta(lables={})  # E: call-arg
    for _ in pod.spec.volumes:  # E: union-attr (pyright: reportOptionalIterable)

Each checker must report exactly the marked (line, code) pairs, in every file. Both run once per
session, with their own configuration (``mypy.ini``, ``pyrightconfig.json`` here), so the
project's mypy settings (and any plugin) never apply. pyright's first run downloads its npm
package, hence the long timeout.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
EXAMPLES = HERE / "examples"
FILES = sorted(p.name for p in EXAMPLES.glob("*.py"))

MYPY_TIMEOUT = 600
PYRIGHT_TIMEOUT = 900

# pyright's rule for a mypy code, where a marker names none.
PYRIGHT_RULE = {
    "call-arg": "reportCallIssue",
    "arg-type": "reportArgumentType",
    "union-attr": "reportOptionalMemberAccess",
    "index": "reportOptionalSubscript",
    "return-value": "reportReturnType",
    "attr-defined": "reportAttributeAccessIssue",
}

_MARKER = re.compile(
    r"#\s*E:\s*(?P<mypy>[\w-]+(?:\s*,\s*[\w-]+)*)(?:\s*\(pyright:\s*(?P<pyright>[^)]*)\))?\s*$"
)
_MYPY_LINE = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+): error: .*?\[(?P<code>[\w-]+)\]$", re.M)

Found = dict[str, set[tuple[int, str]]]


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def expected(checker: str) -> Found:
    """file → {(line, code)} the markers ask of ``checker`` ("mypy" or "pyright")."""
    found: Found = {name: set() for name in FILES}
    for name in FILES:
        for number, line in enumerate((EXAMPLES / name).read_text().splitlines(), 1):
            marker = _MARKER.search(line)
            if marker is None:
                continue
            codes = _split(marker["mypy"])
            if checker == "pyright":
                codes = _split(marker["pyright"] or "") or [PYRIGHT_RULE[c] for c in codes]
            found[name] |= {(number, code) for code in codes}
    return found


def _by_file(pairs: Iterator[tuple[str, int, str]]) -> Found:
    found: Found = {name: set() for name in FILES}
    for path, line, code in pairs:
        file = ROOT / path  # mypy's paths are relative to its working directory, ROOT
        name = file.name if file.parent.resolve() == EXAMPLES.resolve() else path
        found.setdefault(name, set()).add((line, code))
    return found


@pytest.fixture(scope="session")
def mypy_found(tmp_path_factory: pytest.TempPathFactory) -> Found:
    cache = tmp_path_factory.mktemp("mypy-cache")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(HERE / "mypy.ini")]
        + ["--cache-dir", str(cache), "--no-pretty", "--no-error-summary"]
        + [str(EXAMPLES / name) for name in FILES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=MYPY_TIMEOUT,
        check=False,
        env={k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "MYPY_FORCE_COLOR")},
    )
    if result.returncode not in (0, 1) or result.stderr.strip():
        pytest.fail(f"mypy did not run: {result.returncode}\n{result.stdout}{result.stderr}")
    return _by_file(
        (m["file"], int(m["line"]), m["code"]) for m in _MYPY_LINE.finditer(result.stdout)
    )


@pytest.fixture(scope="session")
def pyright_found() -> Found:
    pyright = Path(sys.executable).with_name("pyright")
    if not pyright.exists():
        pytest.fail("pyright is not installed: pip install -e '.[dev]' (make install)")
    config = str(HERE / "pyrightconfig.json")
    result = subprocess.run(
        [str(pyright), "-p", config, "--outputjson", "--pythonpath", sys.executable],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=PYRIGHT_TIMEOUT,
        check=False,
        env={**os.environ, "PYRIGHT_PYTHON_IGNORE_WARNINGS": "1"},
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"pyright did not run: {result.returncode}\n{result.stdout}{result.stderr}")
    if report["summary"]["filesAnalyzed"] != len(FILES):
        pytest.fail(
            f"pyright analyzed {report['summary']['filesAnalyzed']} files, not {len(FILES)}"
        )
    return _by_file(
        (d["file"], d["range"]["start"]["line"] + 1, d.get("rule", "(no rule)"))
        for d in report["generalDiagnostics"]
        if d["severity"] in ("error", "warning")
    )


def _compare(checker: str, name: str, found: Found) -> None:
    want, got = expected(checker)[name], found.get(name, set())
    missing = sorted(want - got)
    unexpected = sorted(got - want)
    assert not missing and not unexpected, (
        f"{checker} on {name}: marked but not reported {missing}; reported but not marked "
        f"{unexpected}"
    )


def test_examples_are_named_by_outcome() -> None:
    marked = {name for name, pairs in expected("mypy").items() if pairs}
    assert {n for n in FILES if n.startswith("err_")} == marked
    assert all(n.startswith(("ok_", "err_")) for n in FILES)


def test_mypy_config_has_no_plugin() -> None:
    assert "plugins" not in (HERE / "mypy.ini").read_text()


@pytest.mark.parametrize("name", FILES)
def test_mypy_strict(name: str, mypy_found: Found) -> None:
    _compare("mypy", name, mypy_found)


@pytest.mark.parametrize("name", FILES)
def test_pyright_strict(name: str, pyright_found: Found) -> None:
    _compare("pyright", name, pyright_found)


def test_nothing_outside_the_examples(mypy_found: Found, pyright_found: Found) -> None:
    assert set(mypy_found) == set(FILES), sorted(set(mypy_found) - set(FILES))
    assert set(pyright_found) == set(FILES), sorted(set(pyright_found) - set(FILES))
