"""Entry points that need an extra fail with one line naming it, never a traceback.

Each case runs the entry point in a subprocess with the extra's package made unimportable: either
``sys.modules[name] = None`` before the import (a ``-c`` wrapper), or a shim directory first on
``PYTHONPATH`` whose module of that name raises ``ModuleNotFoundError`` (which also covers the
``clientgen`` console script and ``python -m``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kubeset._extras import EXTRAS, install_hint, missing_packages

CRDS = Path(__file__).resolve().parent.parent / "corpus" / "crds" / "cert-manager"
GEN_HINT = "pip install 'kubeset[gen]'"
ENVTEST_HINT = "pip install 'kubeset[envtest]'"
TIMEOUT = 120


def _run(
    args: list[str], *, cwd: Path, pythonpath: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KUBEBUILDER_ASSETS")}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def _blocked(*modules: str, call: str) -> list[str]:
    """``python -c`` that makes ``modules`` unimportable, then runs ``call``."""
    block = "; ".join(f"sys.modules[{m!r}] = None" for m in modules)
    return [sys.executable, "-c", f"import sys; {block}; {call}"]


def _shim(tmp_path: Path, *modules: str) -> Path:
    """A directory whose ``<module>.py`` raise ModuleNotFoundError, as if not installed."""
    shim = tmp_path / "shim"
    shim.mkdir(exist_ok=True)
    for module in modules:
        (shim / f"{module}.py").write_text(
            f"raise ModuleNotFoundError({f'No module named {module!r}'!r}, name={module!r})\n"
        )
    return shim


def _assert_one_line(result: subprocess.CompletedProcess[str], hint: str, *names: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].endswith(hint), lines[0]
    for name in names:
        assert name in lines[0]
    return lines[0]


# ------------------------------------------------------------------ helpers


def test_missing_packages_lists_distribution_names(monkeypatch: pytest.MonkeyPatch) -> None:
    assert missing_packages("gen") == []
    assert missing_packages("envtest") == []
    monkeypatch.setitem(sys.modules, "datamodel_code_generator", None)
    assert missing_packages("gen") == ["datamodel-code-generator"]
    error = ModuleNotFoundError("No module named 'jinja2.ext'", name="jinja2.ext")
    assert missing_packages("gen", error) == ["jinja2", "datamodel-code-generator"]
    assert set(EXTRAS) >= {"gen", "envtest"}
    assert install_hint("gen") == GEN_HINT


# ------------------------------------------------------------------ clientgen


@pytest.mark.parametrize(
    ("module", "shown"),
    [
        ("jinja2", "jinja2"),
        ("datamodel_code_generator", "datamodel-code-generator"),
        ("ruff", "ruff"),
    ],
)
def test_clientgen_main_without_gen(tmp_path: Path, module: str, shown: str) -> None:
    args = ["generate", "--crd", str(CRDS), "--package", "certmanager", "--out", str(tmp_path)]
    result = _run(
        _blocked(module, call=f"from clientgen.cli import main; sys.exit(main({args!r}))"),
        cwd=tmp_path,
    )
    line = _assert_one_line(result, GEN_HINT, shown)
    assert line.startswith("clientgen: the generator needs packages that are not installed")
    assert not (tmp_path / "certmanager").exists()


def test_clientgen_names_every_missing_package(tmp_path: Path) -> None:
    result = _run(
        _blocked("jinja2", "ruff", call="from clientgen.cli import main; sys.exit(main([]))"),
        cwd=tmp_path,
    )
    line = _assert_one_line(result, GEN_HINT)
    assert "(jinja2, ruff)" in line


@pytest.mark.parametrize(
    "args", [["--help"], ["generate", "--spec", "x.json", "--package", "p", "--out", "o"]]
)
def test_python_m_clientgen_without_jinja2(tmp_path: Path, args: list[str]) -> None:
    result = _run(
        [sys.executable, "-m", "clientgen", *args],
        cwd=tmp_path,
        pythonpath=_shim(tmp_path, "jinja2"),
    )
    assert _assert_one_line(result, GEN_HINT, "jinja2") == (
        "clientgen: the generator needs packages that are not installed (jinja2): "
        "pip install 'kubeset[gen]'"
    )


def test_clientgen_console_script_without_gen(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "clientgen"
    if not script.exists():
        pytest.skip(f"no console script at {script}")
    result = _run([str(script), "--help"], cwd=tmp_path, pythonpath=_shim(tmp_path, "jinja2"))
    _assert_one_line(result, GEN_HINT, "jinja2")


def test_clientgen_help_with_gen(tmp_path: Path) -> None:
    result = _run([sys.executable, "-m", "clientgen", "--help"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "usage: clientgen" in result.stdout


# ------------------------------------------------------------------ envtest


@pytest.mark.parametrize("command", ["cluster", "openapi"])
def test_envtest_cli_without_cryptography(tmp_path: Path, command: str) -> None:
    out = "--kubeconfig" if command == "cluster" else "--out"
    result = _run(
        [sys.executable, "-m", "kubeset.envtest", command, out, str(tmp_path / "x")],
        cwd=tmp_path,
        pythonpath=_shim(tmp_path, "cryptography"),
    )
    assert _assert_one_line(result, ENVTEST_HINT, "cryptography") == (
        "python -m kubeset.envtest: the test control plane (kubeset.envtest) needs packages "
        "that are not installed (cryptography): pip install 'kubeset[envtest]'"
    )
    assert not (tmp_path / "x").exists()


def test_envtest_cli_blocked_by_sys_modules(tmp_path: Path) -> None:
    call = "from kubeset.envtest.__main__ import main; sys.exit(main(['cluster', '--kubeconfig', 'kc']))"
    result = _run(_blocked("cryptography", call=call), cwd=tmp_path)
    _assert_one_line(result, ENVTEST_HINT, "cryptography")


def test_control_plane_start_without_cryptography(tmp_path: Path) -> None:
    call = (
        "from kubeset.envtest import ControlPlane, EnvtestError, MissingExtraError\n"
        "plane = ControlPlane()\n"
        "try:\n"
        "    plane.start()\n"
        "except MissingExtraError as exc:\n"
        "    assert isinstance(exc, EnvtestError)\n"
        "    assert plane.apiserver_pid is None and plane.etcd_pid is None\n"
        "    print(exc)\n"
    )
    result = _run(
        [sys.executable, "-c", call], cwd=tmp_path, pythonpath=_shim(tmp_path, "cryptography")
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "the test control plane (kubeset.envtest) needs packages that are not installed "
        "(cryptography): pip install 'kubeset[envtest]'"
    ]


def test_kube_cluster_fixture_without_cryptography(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text("import sys\nsys.modules['cryptography'] = None\n")
    (tmp_path / "test_uses_cluster.py").write_text(
        "def test_cluster(kube_cluster):\n    raise AssertionError('not reached')\n"
    )
    result = _run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-rf",
            "test_uses_cluster.py",
        ],
        cwd=tmp_path,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "1 error" in output or "1 failed" in output, output
    assert ENVTEST_HINT in output
    assert "Traceback" not in output
    assert "not reached" not in output


def test_http2_without_h2_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import kubeset.httpclient as httpclient
    from kubeset import Config
    from kubeset.rest import RESTClient

    monkeypatch.setattr(httpclient, "_has_h2", lambda: False)
    with pytest.raises(ImportError, match=r"pip install 'kubeset\[http2\]'"):
        RESTClient(Config(host="https://127.0.0.1:1", http2=True))
