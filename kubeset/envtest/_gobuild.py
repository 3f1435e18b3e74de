"""Building ``etcd``, ``kube-apiserver`` and the ``kubelet`` stand-in from the envtest Go module.

``python -m kubeset.envtest build`` and the checkout's ``envtest/build.sh`` (``make envtest``)
both run this module; it imports only the standard library, so ``build.sh`` runs it as a plain
script (``python3 kubeset/envtest/_gobuild.py --gomod envtest --out bin``) before any virtualenv
exists.

The Go module (``go.mod``, ``go.sum``, ``cmd/``) ships inside the package as
``kubeset/envtest/gomod/`` (see pyproject.toml); in a source checkout it is the repository's
``envtest/`` directory. It is copied to a temporary directory (the package may be read-only) and
built there with ``CGO_ENABLED=0 go build -trimpath``, stamping the Kubernetes version of
``k8s.io/kubernetes`` in go.mod so ``kube-apiserver --version`` and ``/version`` report it (and
the kubelet stand-in, ``cmd/kubelet``, reports it as its node's ``kubeletVersion``).
The default output directory is the per-user cache, ``$XDG_CACHE_HOME/kubeset/envtest/<version>``
(else ``~/.cache/kubeset/envtest/<version>``), where :func:`kubeset.envtest.find_binaries` looks.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ETCD = "etcd"
KUBE_APISERVER = "kube-apiserver"
KUBELET = "kubelet"
GO_DOWNLOAD = "https://go.dev/dl/"
_MODULE_FILES = ("go.mod", "go.sum", "cmd")
_VERSION_PKG = "k8s.io/component-base/version"
_PACKAGE_DIR = Path(__file__).resolve().parent


class GoBuildError(Exception):
    """The binaries could not be built; the message is one line saying why."""


def shipped_module_dir() -> Path | None:
    """The envtest Go module of this installation: ``kubeset/envtest/gomod`` (from the wheel),
    else the ``envtest/`` directory of the source checkout the package lives in, else None."""
    for candidate in (_PACKAGE_DIR / "gomod", _PACKAGE_DIR.parent.parent / "envtest"):
        if (candidate / "go.mod").is_file() and (candidate / "cmd").is_dir():
            return candidate
    return None


def checkout_root() -> Path | None:
    """The repository root when the package runs from a source checkout (``make envtest``
    works there), else None."""
    root = _PACKAGE_DIR.parent.parent
    if (root / "envtest" / "build.sh").is_file() and (root / "Makefile").is_file():
        return root
    return None


def _go_mod_field(gomod: Path, pattern: str) -> str | None:
    try:
        text = (gomod / "go.mod").read_text(encoding="utf-8")
    except OSError:
        return None
    match = re.search(pattern, text, re.MULTILINE)
    return match.group(1) if match else None


def pinned_kubernetes_version(gomod: Path | None = None) -> str | None:
    """The ``k8s.io/kubernetes`` version go.mod requires (``v1.36.3``), read from the file."""
    gomod = gomod or shipped_module_dir()
    if gomod is None:
        return None
    return _go_mod_field(gomod, r"^\s*(?:require\s+)?k8s\.io/kubernetes\s+(v\S+)")


def required_go_version(gomod: Path | None = None) -> str:
    """The Go version go.mod's ``go`` line asks for (``1.26.0``), or ``"1.21"`` if unknown."""
    gomod = gomod or shipped_module_dir()
    found = _go_mod_field(gomod, r"^go\s+(\S+)") if gomod is not None else None
    return found or "1.21"


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/kubeset/envtest``, else ``~/.cache/kubeset/envtest``."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "kubeset" / "envtest"


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _run(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> str:
    """Run a command, return its stdout; on failure a one-line GoBuildError with its output."""
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = " | ".join((result.stderr or result.stdout).strip().splitlines())
        name = Path(argv[0]).name
        raise GoBuildError(
            f"`{name} {' '.join(argv[1:])}` failed (exit {result.returncode}): {detail}"
        )
    return result.stdout.strip()


def _copy_module(module: Path, dest: Path) -> None:
    """Copy go.mod, go.sum and cmd/ (files only, fresh writable modes)."""
    for name in _MODULE_FILES:
        path = module / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            target = dest / file.relative_to(module)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, target)


def _ldflags(version: str, date: str) -> str:
    """The kube-apiserver ldflags: strip symbols and stamp the Kubernetes version."""
    major, _, rest = version.removeprefix("v").partition(".")
    minor = rest.partition(".")[0]
    stamps = {
        "gitVersion": version,
        "gitMajor": major,
        "gitMinor": minor,
        "gitCommit": "",
        "gitTreeState": "clean",
        "buildDate": date or "1970-01-01T00:00:00Z",
    }
    return " ".join(["-s -w", *(f"-X {_VERSION_PKG}.{k}={v}" for k, v in stamps.items())])


def build(
    out: str | os.PathLike[str] | None = None,
    gomod: str | os.PathLike[str] | None = None,
    log: Callable[[str], None] = _stderr,
) -> Path:
    """Build ``etcd``, ``kube-apiserver`` and ``kubelet`` (kubeset's kubelet stand-in) into
    ``out`` (default: the per-user cache directory for the Kubernetes version) and return that
    directory.

    Raises:
        GoBuildError: no Go module, no ``go`` on PATH, or a failing ``go`` command.
    """
    module = Path(gomod) if gomod is not None else shipped_module_dir()
    if module is None or not (module / "go.mod").is_file():
        where = module or f"{_PACKAGE_DIR / 'gomod'} or {_PACKAGE_DIR.parent.parent / 'envtest'}"
        raise GoBuildError(
            f"the envtest Go module (go.mod, go.sum, cmd/) is not in {where}: reinstall kubeset "
            "from its wheel or sdist, or pass the module directory"
        )
    go = shutil.which("go")
    if go is None:
        raise GoBuildError(
            f"building the envtest binaries needs Go {required_go_version(module)} or newer, "
            f"and `go` is not on PATH: install Go ({GO_DOWNLOAD}) and run this again"
        )
    started = time.monotonic()
    env = {**os.environ, "CGO_ENABLED": "0"}
    with tempfile.TemporaryDirectory(prefix="kubeset-envtest-gomod-") as tmp:
        # A private, writable copy: the installed package directory may be read-only.
        src = Path(tmp) / "envtest"
        _copy_module(module, src)

        fmt = '{{if .Time}}{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}{{end}}'
        version = _run([go, "list", "-m", "-f", "{{.Version}}", "k8s.io/kubernetes"], src, env)
        date = _run([go, "list", "-m", "-f", fmt, "k8s.io/kubernetes"], src, env)
        target = Path(out) if out is not None else user_cache_dir() / version
        target.mkdir(parents=True, exist_ok=True)
        target = target.resolve()

        builds = (
            (ETCD, "-s -w"),
            (KUBE_APISERVER, _ldflags(version, date)),
            (KUBELET, f"-s -w -X main.version={version}"),
        )
        for name, ldflags in builds:
            began = time.monotonic()
            log(f"building {name} -> {target / name}")
            # Build next to the target, then rename: a half-written binary is never found.
            partial = target / f".{name}.{os.getpid()}.partial"
            try:
                flags = ["-trimpath", "-buildvcs=false", f"-ldflags={ldflags}"]
                _run([go, "build", *flags, "-o", str(partial), f"./cmd/{name}"], src, env)
                os.replace(partial, target / name)
            finally:
                partial.unlink(missing_ok=True)
            log(f"built {name} in {time.monotonic() - began:.1f}s")

    apiserver = _run([str(target / KUBE_APISERVER), "--version"], target, env).split()[-1]
    etcd = _run([str(target / ETCD), "--version"], target, env)
    kubelet = _run([str(target / KUBELET), "--version"], target, env).split()[1]
    log(f"kube-apiserver {apiserver}, {etcd}, kubelet stand-in {kubelet}")
    log(f"envtest binaries ready in {target} ({time.monotonic() - started:.1f}s)")
    return target


def main(argv: Sequence[str] | None = None, prog: str = "envtest/build.sh") -> int:
    """``python3 kubeset/envtest/_gobuild.py [--gomod DIR] [--out DIR]`` (what build.sh runs)."""
    parser = argparse.ArgumentParser(
        prog=prog, description="Build etcd, kube-apiserver and the kubelet stand-in."
    )
    parser.add_argument("--gomod", help="the envtest Go module (default: the shipped one)")
    parser.add_argument("--out", help="output directory (default: the per-user cache)")
    args = parser.parse_args(argv)
    try:
        build(args.out, args.gomod)
    except GoBuildError as exc:
        _stderr(f"{prog}: {exc}")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
