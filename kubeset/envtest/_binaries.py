"""Locating the ``etcd`` and ``kube-apiserver`` binaries."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kubeset.envtest._errors import BinariesNotFoundError

ETCD = "etcd"
KUBE_APISERVER = "kube-apiserver"
ASSETS_ENV = "KUBEBUILDER_ASSETS"

HOW_TO = (
    "run `make envtest` (builds bin/etcd and bin/kube-apiserver; needs Go) "
    f"or set {ASSETS_ENV} to a directory containing {ETCD} and {KUBE_APISERVER}"
)


@dataclass(frozen=True)
class Binaries:
    """Paths of the control plane executables."""

    etcd: Path
    kube_apiserver: Path


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _default_dirs() -> list[Path]:
    """``bin/`` of every ancestor of the kubeset package, then ``./bin``."""
    dirs: list[Path] = []
    package_dir = Path(__file__).resolve().parent
    for parent in package_dir.parents:
        dirs.append(parent / "bin")
    cwd_bin = Path.cwd() / "bin"
    if cwd_bin not in dirs:
        dirs.append(cwd_bin)
    return dirs


def _from_dir(directory: Path) -> Binaries | None:
    etcd = directory / ETCD
    apiserver = directory / KUBE_APISERVER
    if _is_executable(etcd) and _is_executable(apiserver):
        return Binaries(etcd=etcd, kube_apiserver=apiserver)
    return None


def _missing_in(directory: Path) -> str:
    missing = [n for n in (ETCD, KUBE_APISERVER) if not _is_executable(directory / n)]
    return f"{directory} (missing {', '.join(missing)})"


def find_binaries(
    binary_dir: str | os.PathLike[str] | None = None,
    etcd_path: str | os.PathLike[str] | None = None,
    apiserver_path: str | os.PathLike[str] | None = None,
) -> Binaries:
    """Find ``etcd`` and ``kube-apiserver``.

    Explicit paths win. Otherwise the binaries are looked up, in order, in
    ``binary_dir``, in ``$KUBEBUILDER_ASSETS``, in the ``bin/`` directory of the
    kubeset checkout (found by walking up from this package), and in ``./bin``.
    An explicitly given directory (``binary_dir`` or ``$KUBEBUILDER_ASSETS``)
    must contain both binaries; the search does not fall through past it.

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
    for explicit, label in ((etcd, "etcd_path"), (apiserver, "apiserver_path")):
        if explicit is not None and not _is_executable(explicit):
            raise BinariesNotFoundError(
                f"{label}={str(explicit)!r} is not an executable file; {HOW_TO}"
            )
    if etcd is not None and apiserver is not None:
        return Binaries(etcd=etcd, kube_apiserver=apiserver)
    if found is not None:
        return Binaries(etcd=etcd or found.etcd, kube_apiserver=apiserver or found.kube_apiserver)

    raise BinariesNotFoundError(
        f"envtest binaries not found (looked in {'; '.join(searched)}): {HOW_TO}"
    )
