"""Locating the ``etcd``, ``kube-apiserver`` and ``kubelet`` (stand-in) binaries."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from kubeset.envtest import _gobuild
from kubeset.envtest._errors import BinariesNotFoundError

ETCD = _gobuild.ETCD
KUBE_APISERVER = _gobuild.KUBE_APISERVER
KUBELET = _gobuild.KUBELET
ASSETS_ENV = "KUBEBUILDER_ASSETS"
_PACKAGE_DIR = Path(__file__).resolve().parent


def how_to() -> str:
    """How to get the binaries: ``python -m kubeset.envtest build`` (and, in a source checkout,
    ``make envtest``), or ``$KUBEBUILDER_ASSETS``."""
    build = (
        f"`python -m kubeset.envtest build` (builds them into {user_cache_dir()}; "
        f"needs Go {_gobuild.required_go_version()}+)"
    )
    if _gobuild.checkout_root() is not None:
        build = f"`make envtest` (builds bin/etcd and bin/kube-apiserver) or {build}"
    return f"run {build}, or set {ASSETS_ENV} to a directory containing {ETCD} and {KUBE_APISERVER}"


def user_cache_dir() -> Path:
    """Where ``python -m kubeset.envtest build`` puts the binaries by default:
    ``$XDG_CACHE_HOME/kubeset/envtest/<kubernetes version>`` (else under ``~/.cache``)."""
    base = _gobuild.user_cache_dir()
    version = _gobuild.pinned_kubernetes_version()
    if version is not None:
        return base / version
    # No go.mod to read the version from: the newest build there is.
    builds = (
        sorted((d for d in base.glob("v*") if d.is_dir()), reverse=True) if base.is_dir() else []
    )
    return builds[0] if builds else base


def kubelet_how_to() -> str:
    """How to get the kubelet stand-in (built with the other two since it was added)."""
    build = "`python -m kubeset.envtest build`"
    if _gobuild.checkout_root() is not None:
        build = f"`make envtest` or {build}"
    return f"rebuild the envtest binaries with {build}, which also builds {KUBELET}"


@dataclass(frozen=True)
class Binaries:
    """Paths of the control plane executables.

    ``kubelet`` is kubeset's kubelet stand-in (``envtest/cmd/kubelet``), found next to the
    other two; None when that directory has none (binaries built before it existed). It is
    left out of comparisons.
    """

    etcd: Path
    kube_apiserver: Path
    kubelet: Path | None = field(default=None, compare=False)


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _default_dirs() -> list[Path]:
    """``bin/`` of every ancestor of the kubeset package, then ``./bin``, then the per-user
    cache directory of ``python -m kubeset.envtest build``."""
    dirs: list[Path] = []
    for parent in _PACKAGE_DIR.parents:
        dirs.append(parent / "bin")
    for extra in (Path.cwd() / "bin", user_cache_dir()):
        if extra not in dirs:
            dirs.append(extra)
    return dirs


def _from_dir(directory: Path) -> Binaries | None:
    etcd = directory / ETCD
    apiserver = directory / KUBE_APISERVER
    if _is_executable(etcd) and _is_executable(apiserver):
        return Binaries(etcd=etcd, kube_apiserver=apiserver, kubelet=_kubelet_in(directory))
    return None


def _kubelet_in(directory: Path) -> Path | None:
    kubelet = directory / KUBELET
    return kubelet if _is_executable(kubelet) else None


def _missing_in(directory: Path) -> str:
    missing = [n for n in (ETCD, KUBE_APISERVER) if not _is_executable(directory / n)]
    return f"{directory} (missing {', '.join(missing)})"


def find_binaries(
    binary_dir: str | os.PathLike[str] | None = None,
    etcd_path: str | os.PathLike[str] | None = None,
    apiserver_path: str | os.PathLike[str] | None = None,
    kubelet_path: str | os.PathLike[str] | None = None,
) -> Binaries:
    """Find ``etcd`` and ``kube-apiserver`` (and the ``kubelet`` stand-in beside them).

    Explicit paths win. Otherwise the binaries are looked up, in order, in
    ``binary_dir``, in ``$KUBEBUILDER_ASSETS``, in the ``bin/`` directory of the
    kubeset checkout (found by walking up from this package), in ``./bin``, and
    in the per-user cache directory that ``python -m kubeset.envtest build``
    writes (``$XDG_CACHE_HOME/kubeset/envtest/<version>``, else under ``~/.cache``).
    An explicitly given directory (``binary_dir`` or ``$KUBEBUILDER_ASSETS``)
    must contain both binaries; the search does not fall through past it. The kubelet
    stand-in is ``kubelet_path`` if given, else the ``kubelet`` in the directory where the
    other two were found (or next to an explicit ``apiserver_path``), else None.

    Raises:
        BinariesNotFoundError: with a message saying how to get the binaries.
    """
    searched: list[str] = []
    candidates: list[tuple[str, Path]]
    if binary_dir is not None:
        candidates = [("binary_dir=", Path(binary_dir))]
    elif os.environ.get(ASSETS_ENV):
        candidates = [(f"${ASSETS_ENV}=", Path(os.environ[ASSETS_ENV]))]
    else:
        candidates = [("", d) for d in _default_dirs()]

    found: Binaries | None = None
    for label, directory in candidates:
        found = _from_dir(directory)
        if found is not None:
            break
        searched.append(label + _missing_in(directory))

    etcd = Path(etcd_path) if etcd_path is not None else None
    apiserver = Path(apiserver_path) if apiserver_path is not None else None
    kubelet = Path(kubelet_path) if kubelet_path is not None else None
    for explicit, label in (
        (etcd, "etcd_path"),
        (apiserver, "apiserver_path"),
        (kubelet, "kubelet_path"),
    ):
        if explicit is not None and not _is_executable(explicit):
            raise BinariesNotFoundError(
                f"{label}={str(explicit)!r} is not an executable file; {how_to()}"
            )
    if etcd is not None and apiserver is not None:
        return Binaries(
            etcd=etcd, kube_apiserver=apiserver, kubelet=kubelet or _kubelet_in(apiserver.parent)
        )
    if found is not None:
        return Binaries(
            etcd=etcd or found.etcd,
            kube_apiserver=apiserver or found.kube_apiserver,
            kubelet=kubelet or found.kubelet,
        )

    raise BinariesNotFoundError(
        f"envtest binaries not found (looked in {'; '.join(searched)}): {how_to()}"
    )
