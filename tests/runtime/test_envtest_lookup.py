"""Where the envtest binaries are looked up, and the builder's errors (no Go, no module).

No apiserver and no ``go`` runs here: the binaries are fake executables.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kubeset.envtest import Binaries, BinariesNotFoundError, _binaries, _gobuild, find_binaries

REPO = Path(__file__).resolve().parent.parent.parent
VERSION = _gobuild.pinned_kubernetes_version()


def _fake(directory: Path) -> Binaries:
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("etcd", "kube-apiserver"):
        (directory / name).write_text("#!/bin/sh\n")
        (directory / name).chmod(0o755)
    return Binaries(etcd=directory / "etcd", kube_apiserver=directory / "kube-apiserver")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An installed-looking layout: the package under tmp/site, the cwd and $HOME elsewhere,
    no $KUBEBUILDER_ASSETS, no $XDG_CACHE_HOME."""
    site = tmp_path / "venv" / "site" / "kubeset" / "envtest"
    site.mkdir(parents=True)
    monkeypatch.setattr(_binaries, "_PACKAGE_DIR", site)
    monkeypatch.delenv("KUBEBUILDER_ASSETS", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    return tmp_path / "home"


def test_pinned_version_comes_from_go_mod() -> None:
    assert VERSION == "v1.36.3"
    assert _gobuild.required_go_version() == "1.26.0"
    assert _gobuild.shipped_module_dir() == REPO / "envtest"
    assert _gobuild.checkout_root() == REPO


def test_user_cache_dir(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _binaries.user_cache_dir() == home / ".cache" / "kubeset" / "envtest" / str(VERSION)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _binaries.user_cache_dir() == tmp_path / "xdg" / "kubeset" / "envtest" / str(VERSION)
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")  # the XDG spec: absolute paths only
    assert _binaries.user_cache_dir().parent == home / ".cache" / "kubeset" / "envtest"


def test_lookup_order(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(BinariesNotFoundError) as excinfo:
        find_binaries()
    cache = home / ".cache" / "kubeset" / "envtest" / str(VERSION)
    assert str(cache) in str(excinfo.value)

    # Last resort: the per-user cache that `python -m kubeset.envtest build` fills.
    in_cache = _fake(cache)
    assert find_binaries() == in_cache
    # $XDG_CACHE_HOME moves it.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    with pytest.raises(BinariesNotFoundError):
        find_binaries()
    in_xdg = _fake(tmp_path / "xdg" / "kubeset" / "envtest" / str(VERSION))
    assert find_binaries() == in_xdg
    # ./bin comes before the cache.
    in_cwd = _fake(tmp_path / "cwd" / "bin")
    assert find_binaries() == in_cwd
    # bin/ next to the package (a checkout's bin/) comes before ./bin.
    in_checkout = _fake(tmp_path / "venv" / "bin")
    assert find_binaries() == in_checkout
    # $KUBEBUILDER_ASSETS comes before all of them, and does not fall through when incomplete.
    assets = _fake(tmp_path / "assets")
    monkeypatch.setenv("KUBEBUILDER_ASSETS", str(tmp_path / "assets"))
    assert find_binaries() == assets
    (tmp_path / "assets" / "etcd").unlink()
    with pytest.raises(BinariesNotFoundError, match=r"\$KUBEBUILDER_ASSETS=.*missing etcd"):
        find_binaries()
    # binary_dir= comes first.
    given = _fake(tmp_path / "given")
    assert find_binaries(binary_dir=tmp_path / "given") == given


def test_not_found_message_says_how_to_build(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(BinariesNotFoundError) as excinfo:
        find_binaries()
    message = str(excinfo.value)
    assert "run `make envtest`" in message  # this test runs in a checkout
    assert "`python -m kubeset.envtest build` (builds them into " in message
    assert "needs Go 1.26.0+" in message
    assert "KUBEBUILDER_ASSETS" in message
    assert "\n" not in message

    monkeypatch.setattr(_gobuild, "checkout_root", lambda: None)  # an installed kubeset
    with pytest.raises(BinariesNotFoundError) as excinfo:
        find_binaries()
    assert "make envtest" not in str(excinfo.value)
    assert "run `python -m kubeset.envtest build`" in str(excinfo.value)


# ------------------------------------------------------------------ builder errors


def _path_without_go(tmp_path: Path) -> str:
    """A PATH holding only the tools build.sh uses besides go."""
    tools = tmp_path / "tools"
    tools.mkdir()
    for name in ("dirname",):
        found = shutil.which(name)
        if found is not None:
            (tools / name).symlink_to(found)
    return str(tools)


def test_missing_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = (
        "building the envtest binaries needs Go 1.26.0 or newer, and `go` is not on PATH: "
        "install Go (https://go.dev/dl/) and run this again"
    )
    path_without_go = _path_without_go(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "tools"))
    with pytest.raises(_gobuild.GoBuildError) as excinfo:
        _gobuild.build(out=tmp_path / "out")
    assert str(excinfo.value) == expected
    assert not (tmp_path / "out").exists()

    env = {**os.environ, "PATH": path_without_go, "PYTHON": sys.executable}
    cli = subprocess.run(
        [sys.executable, "-m", "kubeset.envtest", "build", "--out", str(tmp_path / "out")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert cli.returncode == 2
    assert cli.stderr.splitlines() == [f"python -m kubeset.envtest: {expected}"]

    script = subprocess.run(
        ["/bin/bash", str(REPO / "envtest" / "build.sh"), str(tmp_path / "out")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert script.returncode == 2
    assert script.stderr.splitlines() == [f"envtest/build.sh: {expected}"]


def test_missing_go_module(tmp_path: Path) -> None:
    with pytest.raises(_gobuild.GoBuildError, match=r"envtest Go module .* is not in"):
        _gobuild.build(out=tmp_path / "out", gomod=tmp_path)


def test_ldflags_stamp_the_kubernetes_version() -> None:
    assert _gobuild._ldflags("v1.36.3", "2026-07-22T18:07:38Z") == (
        "-s -w"
        " -X k8s.io/component-base/version.gitVersion=v1.36.3"
        " -X k8s.io/component-base/version.gitMajor=1"
        " -X k8s.io/component-base/version.gitMinor=36"
        " -X k8s.io/component-base/version.gitCommit="
        " -X k8s.io/component-base/version.gitTreeState=clean"
        " -X k8s.io/component-base/version.buildDate=2026-07-22T18:07:38Z"
    )
