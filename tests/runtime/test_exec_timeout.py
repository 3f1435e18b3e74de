"""An exec credential plugin that hangs is killed after a bound, with the processes it started.

``kubeset.auth.EXEC_TIMEOUT`` (no terminal) and ``EXEC_INTERACTIVE_TIMEOUT`` (the plugin was given
the terminal) bound a run; the tests set them to a fraction of a second.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import kubeset.auth
from kubeset.auth import (
    AsyncAuthRunner,
    Authenticator,
    AuthRunner,
    CommandResult,
    CredentialCache,
    ExecPluginError,
    RunCommand,
    clear_credential_cache,
)
from kubeset.config import Config, ExecConfig

PLUGIN = Path(__file__).resolve().parents[1] / "fake_exec_plugin.py"
V1 = "client.authentication.k8s.io/v1"
#: Long enough to count as "for ever" here; bounded, so that a failing run leaves nothing behind.
HANG = 60


@pytest.fixture(autouse=True)
def short_timeouts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    clear_credential_cache()
    monkeypatch.setattr(kubeset.auth, "EXEC_TIMEOUT", 0.5)
    monkeypatch.setattr(kubeset.auth, "EXEC_INTERACTIVE_TIMEOUT", 0.7)
    yield
    clear_credential_cache()


def _auth(command: str, *args: str, terminal: bool = False) -> Authenticator:
    config = Config(
        host="https://127.0.0.1:6443",
        exec_provider=ExecConfig(
            command=command, args=args, api_version=V1, interactive_mode="IfAvailable"
        ),
    )
    return Authenticator(config, cache=CredentialCache(), stdin_is_terminal=lambda: terminal)


def _within(seconds: float, call: Callable[[], Any]) -> BaseException:
    """Run ``call`` in a thread; it must raise within ``seconds`` (a hang fails the test)."""
    outcome: list[BaseException] = []

    def target() -> None:
        try:
            call()
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"the plugin run did not end within {seconds} s"
    assert outcome, "the plugin run succeeded"
    assert time.monotonic() - started < seconds
    return outcome[0]


def _hanging_plugin(state: Path) -> Authenticator:
    plan = {"api_version": V1, "responses": [{"sleep": HANG, "token": "t"}]}
    (state / "plan.json").write_text(json.dumps(plan))
    return _auth(sys.executable, str(PLUGIN), str(state))


def test_a_hanging_plugin_is_killed_sync(tmp_path: Path) -> None:
    runner = AuthRunner(_hanging_plugin(tmp_path))
    error = _within(10, runner.credentials)
    assert isinstance(error, ExecPluginError)
    assert error.command == sys.executable
    assert f"executable {sys.executable} did not finish within 0.5 s" in str(error)
    pid = json.loads((tmp_path / "runs").read_text().splitlines()[0])["pid"]
    assert _gone(pid)


def test_a_hanging_plugin_is_killed_async(tmp_path: Path) -> None:
    runner = AsyncAuthRunner(_hanging_plugin(tmp_path))
    error = _within(10, lambda: asyncio.run(runner.credentials()))
    assert isinstance(error, ExecPluginError)
    assert "did not finish within 0.5 s and was killed" in str(error)


def _gone(pid: int, wait: float = 3.0) -> bool:
    """True once ``pid`` has exited (a zombie awaiting its reaper counts as exited)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_the_processes_a_plugin_started_are_killed_too(tmp_path: Path) -> None:
    """A plugin waiting on a helper it started: both are killed (its process group)."""
    script = tmp_path / "plugin.py"
    script.write_text(
        "import pathlib, subprocess, sys, time\n"
        f"child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep({HANG})'])\n"
        "pathlib.Path(sys.argv[1]).write_text(str(child.pid))\n"
        "child.wait()\n"
    )
    pid_file = tmp_path / "child.pid"
    runner = AuthRunner(_auth(sys.executable, str(script), str(pid_file)))
    error = _within(10, runner.credentials)
    assert isinstance(error, ExecPluginError) and "did not finish within" in str(error)
    assert _gone(int(pid_file.read_text()))


def test_the_bound_depends_on_the_terminal() -> None:
    """A plugin given the terminal gets EXEC_INTERACTIVE_TIMEOUT, one without EXEC_TIMEOUT."""
    for terminal, expected in ((False, 0.5), (True, 0.7)):
        flow = _auth("plugin", terminal=terminal).credentials()
        effect = next(flow)
        assert isinstance(effect, RunCommand)
        assert effect.interactive is terminal and effect.timeout == expected
        with pytest.raises(ExecPluginError) as info:
            flow.send(CommandResult(-9, stderr=b"waiting for login", timed_out=True))
        assert str(info.value).startswith(
            f"exec plugin: executable plugin did not finish within {expected:g} s and was killed"
        )
        assert info.value.stderr == "waiting for login"


def test_no_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``None`` lifts the bound: a slow plugin finishes."""
    monkeypatch.setattr(kubeset.auth, "EXEC_TIMEOUT", None)
    plan = {"api_version": V1, "responses": [{"sleep": 0.8, "token": "slow"}]}
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    creds = AuthRunner(_auth(sys.executable, str(PLUGIN), str(tmp_path))).credentials()
    assert creds.token == "slow"


def test_a_quick_plugin_is_not_affected(tmp_path: Path) -> None:
    plan = {"api_version": V1, "responses": [{"token": "quick"}]}
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    creds = AuthRunner(_auth(sys.executable, str(PLUGIN), str(tmp_path))).credentials()
    assert creds.token == "quick"
    assert os.environ.get("KUBERNETES_EXEC_INFO") is None
