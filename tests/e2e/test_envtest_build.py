"""``python -m kubeset.envtest build`` really builds etcd and kube-apiserver with Go.

With a warm Go build cache this takes about ten seconds (linking kube-apiserver); a cold cache
means minutes. Skipped without ``go`` on PATH, unless envtest is required (``CI``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kubeset.envtest import Binaries, find_binaries
from kubeset.envtest.pytest_plugin import envtest_required

BUILD_TIMEOUT = 900


def test_build_into_a_directory(tmp_path: Path) -> None:
    if shutil.which("go") is None:
        if envtest_required():
            pytest.fail("`go` is not on PATH", pytrace=False)
        pytest.skip("`go` is not on PATH")
    out = tmp_path / "envtest"
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "kubeset.envtest", "build", "--out", str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )
    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert f"envtest binaries ready in {out}" in result.stderr
    for name in ("etcd", "kube-apiserver"):
        assert (out / name).is_file() and os.access(out / name, os.X_OK), name
    assert not list(out.glob(".*partial")), "leftover partial binaries"

    version = subprocess.run(
        [str(out / "kube-apiserver"), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert version.stdout.strip() == "Kubernetes v1.36.3"
    etcd = subprocess.run(
        [str(out / "etcd"), "--version"], capture_output=True, text=True, timeout=60, check=True
    )
    assert etcd.stdout.startswith("etcd Version: 3.6.")
    assert find_binaries(binary_dir=out) == Binaries(
        etcd=out / "etcd", kube_apiserver=out / "kube-apiserver"
    )
    print(f"built in {took:.1f}s")
