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
