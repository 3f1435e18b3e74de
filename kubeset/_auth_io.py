"""The blocking I/O behind :mod:`kubeset.auth`'s effects: run a credential plugin, read a token
file, write refreshed OIDC tokens back to a kubeconfig, and the TLS and request settings of a call
to an identity provider.

The runners (:class:`kubeset._async.auth.AsyncAuthRunner` and its generated twin
:class:`kubeset._sync.auth.AuthRunner`) call these. A plugin run is a :class:`Command`, which
another thread can stop (:meth:`Command.kill`): the async runner runs it in a worker thread and
kills it when the awaiting task is cancelled.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import ssl
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

from kubeset.auth import (
    OIDC_HTTP_TIMEOUT,
    STDERR_KEPT,
    CommandResult,
    HttpRequest,
    PersistTokens,
    ReadFile,
    RunCommand,
)
from kubeset.config import ConfigError

__all__ = ["Command", "idp_client_options", "idp_request_options", "persist_tokens", "read_file"]

_log = logging.getLogger("kubeset")


class _StderrTee:
    """Passes a plugin's stderr through to ours and keeps its end for error messages."""

    def __init__(self) -> None:
        self._kept = bytearray()

    def feed(self, chunk: bytes) -> None:
        self._kept += chunk
        if len(self._kept) > STDERR_KEPT:
            del self._kept[:-STDERR_KEPT]
        stream = sys.stderr
        if stream is not None:
            with contextlib.suppress(OSError, ValueError):
                stream.write(chunk.decode(errors="replace"))
                stream.flush()

    def value(self) -> bytes:
        return bytes(self._kept)


def _pump(stream: IO[bytes], tee: _StderrTee) -> None:
    try:
        while chunk := stream.read1(4096):  # type: ignore[attr-defined]
            tee.feed(chunk)
    except (OSError, ValueError):
        pass
    finally:
        with contextlib.suppress(OSError):
            stream.close()


#: After the plugin exits, how long to wait for its stderr to close (a child it left behind may
#: hold it open).
_STDERR_GRACE = 2.0


class Command:
    """One run of a credential plugin (:class:`~kubeset.auth.RunCommand`).

    :meth:`run` starts the plugin, passes its stderr through (:data:`sys.stderr`, keeping the end
    for error messages), and waits for it to exit, at most ``effect.timeout`` seconds: then it
    kills the plugin and returns a result with ``timed_out``. Interrupted (``KeyboardInterrupt``),
    it kills and reaps the plugin. :meth:`kill`, from any thread, stops the plugin :meth:`run`
    started, or keeps it from starting.

    On POSIX a plugin without the terminal runs in a process group of its own, so that a kill
    reaches the processes it started too (a helper it left hanging would otherwise keep its
    output open). A plugin given the terminal stays in ours: in a group of its own it could not
    read the terminal.
    """

    def __init__(self, effect: RunCommand) -> None:
        self.effect = effect
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._group = False
        self._killed = False

    def run(self) -> CommandResult:
        """Run the plugin to its end, or to its timeout (blocking)."""
        effect = self.effect
        group = os.name == "posix" and not effect.interactive
        extra: dict[str, Any] = {"process_group": 0} if group else {}
        with self._lock:  # so that kill() either sees the process or keeps it from starting
            if self._killed:
                return CommandResult(None, error=InterruptedError("stopped before it started"))
            try:
                proc = self._proc = subprocess.Popen(
                    list(effect.argv),
                    env=dict(effect.env),
                    stdin=None if effect.interactive else subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    **extra,
                )
            except OSError as exc:
                return CommandResult(None, error=exc)
            self._group = group
        assert proc.stdout is not None and proc.stderr is not None
        tee = _StderrTee()
        pump = threading.Thread(
            target=_pump, args=(proc.stderr, tee), name="kubeset-exec-stderr", daemon=True
        )
        pump.start()
        out: list[bytes] = []
        reader = threading.Thread(
            target=_read_all, args=(proc.stdout, out), name="kubeset-exec-stdout", daemon=True
        )
        reader.start()
        deadline = None if effect.timeout is None else time.monotonic() + effect.timeout
        timed_out = False
        try:
            try:
                proc.wait(_left(deadline))
                reader.join(_left(deadline))  # its output ends when it (and its children) close it
                if reader.is_alive():
                    raise subprocess.TimeoutExpired(proc.args, effect.timeout or 0.0)
            except subprocess.TimeoutExpired:
                timed_out = True
                self._kill(proc)
                proc.wait()
        except BaseException:
            self._kill(proc)
            proc.wait()
            raise
        finally:
            reader.join(_STDERR_GRACE)
            pump.join(_STDERR_GRACE)
        return CommandResult(proc.returncode, b"".join(out), tee.value(), timed_out=timed_out)

    def kill(self) -> None:
        """Stop the plugin (``SIGKILL``; :meth:`run` reaps it); a no-op once it has exited."""
        with self._lock:
            self._killed = True
            proc = self._proc
        if proc is not None and proc.returncode is None:
            self._kill(proc)

    def _kill(self, proc: subprocess.Popen[bytes]) -> None:
        """``SIGKILL`` to the plugin, and to its process group when it has one of its own."""
        if self._group:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            proc.kill()


def _left(deadline: float | None) -> float | None:
    return None if deadline is None else max(0.0, deadline - time.monotonic())


def _read_all(stream: IO[bytes], out: list[bytes]) -> None:
    try:
        out.append(stream.read())
    except (OSError, ValueError):
        pass
    finally:
        with contextlib.suppress(OSError):
            stream.close()


def read_file(effect: ReadFile) -> bytes | OSError:
    """The file's bytes, or the ``OSError`` reading it raised."""
    try:
        return Path(effect.path).read_bytes()
    except OSError as exc:
        return exc


def _idp_verify(effect: HttpRequest) -> ssl.SSLContext | bool:
    try:
        if effect.ca_data:
            return ssl.create_default_context(cadata=effect.ca_data.decode())
        if effect.ca_file:
            return ssl.create_default_context(cafile=effect.ca_file)
    except (ssl.SSLError, OSError, ValueError) as exc:
        what = effect.ca_file or "idp-certificate-authority-data"
        raise ConfigError(f"oidc: cannot load the issuer's CA {what}: {exc}") from None
    return True


def idp_client_options(effect: HttpRequest) -> dict[str, Any]:
    """Keyword arguments of the httpx client that sends ``effect`` (TLS trust, timeout)."""
    return {"verify": _idp_verify(effect), "timeout": OIDC_HTTP_TIMEOUT}


def idp_request_options(effect: HttpRequest) -> dict[str, Any]:
    """Keyword arguments of ``client.request(effect.method, effect.url, ...)``."""
    kwargs: dict[str, Any] = {"headers": list(effect.headers)}
    if effect.form is not None:
        kwargs["data"] = dict(effect.form)
    return kwargs


def persist_tokens(effect: PersistTokens) -> None:
    """Write refreshed tokens into the user's ``auth-provider.config`` in its kubeconfig.

    Like kubectl, this rewrites the file (comments are not kept), atomically and with its mode
    unchanged. A failure is logged (without the tokens) and the new tokens stay in memory.
    """
    from kubeset import kyaml  # only when tokens are refreshed: not worth paying at import

    path = Path(effect.path)
    try:
        data = kyaml.load(path.read_text(), source=str(path))
        users = data.get("users") if isinstance(data, dict) else None
        entry = next(
            (u for u in users or [] if isinstance(u, dict) and u.get("name") == effect.user), None
        )
        if entry is None:
            raise LookupError(f"user {effect.user!r} is no longer in the file")
        provider = entry.setdefault("user", {}).setdefault("auth-provider", {})
        provider.setdefault("config", {}).update(effect.values)
        mode = stat.S_IMODE(path.stat().st_mode)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(kyaml.dump(data))
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except (OSError, kyaml.ManifestError, LookupError, AttributeError, TypeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        if isinstance(exc, LookupError):
            reason = str(exc)
        _log.warning("could not write the refreshed oidc tokens back to %s: %s", path, reason)
