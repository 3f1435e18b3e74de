"""Exceptions raised by :mod:`kubeset.envtest`."""

from __future__ import annotations


class EnvtestError(Exception):
    """Base class for test control plane errors."""


class BinariesNotFoundError(EnvtestError):
    """``etcd`` or ``kube-apiserver`` could not be found.

    The message says how to build or point to them.
    """


class ControlPlaneStartError(EnvtestError):
    """The control plane did not become ready.

    The message includes the tail of the etcd and kube-apiserver logs.
    """


class MissingExtraError(EnvtestError):
    """A package of the ``envtest`` extra (``cryptography``) is not installed.

    The message is one line ending in ``pip install 'kubeset[envtest]'``.
    """


def require_envtest_extra() -> None:
    """Import what a control plane needs beyond kubeset's own dependencies (``cryptography``,
    through :mod:`kubeset.envtest._pki`), or raise :class:`MissingExtraError`."""
    from kubeset._extras import missing_message, missing_packages

    try:
        from kubeset.envtest import _pki  # noqa: F401
    except ImportError as exc:
        missing = missing_packages("envtest", exc)
        if not missing:
            raise
        what = "the test control plane (kubeset.envtest)"
        raise MissingExtraError(missing_message("envtest", what, missing)) from None
