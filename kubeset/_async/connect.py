"""Connect subresources: ``exec``, ``attach`` and ``portforward`` over WebSockets, ``proxy`` as
plain HTTP — runtime mixins a generated client lists among its bases.

- :class:`AsyncWithExec` — ``exec(name, command, stdin=...)`` runs a command to its end and
  returns an :class:`ExecResult` (stdout, stderr, exit code); ``stream_exec(...)`` opens an
  interactive :class:`AsyncExecSession`.
- :class:`AsyncWithAttach` — ``attach(name, ...)``: an :class:`AsyncExecSession` on the
  container's main process.
- :class:`AsyncWithPortForward` — ``port_forward(name, ports)``: local TCP listeners, one
  WebSocket per accepted connection (:class:`AsyncPortForward`), and ``connect(port)``, a
  socket-like :class:`AsyncPortForwardStream`.
- :class:`AsyncWithProxy` — ``proxy(name, path, method=...)`` and ``proxy_get``: HTTP through the
  API server to a pod's, service's or node's port.
- :class:`AsyncWithConnect` — ``connect(name, subresource, method=...)``, the raw request every
  connect subresource accepts (the base of the others).

Exec and attach speak ``v5.channel.k8s.io`` (Kubernetes 1.30+), falling back to
``v4.channel.k8s.io`` when the server does not offer v5: one handshake offering both, preferred
first. Each binary message starts with its channel: 0 stdin, 1 stdout, 2 stderr, 3 the final
``Status``, 4 terminal size, 255 close (v5: ``[255, 0]`` closes stdin; v4 cannot close stdin).
Port-forward speaks ``v4.channel.k8s.io``, one port per WebSocket: data on channel 0, errors on
channel 1, each first carrying the port (two bytes, little-endian).

Time bounds: opening a WebSocket is bounded like any request (``Config.timeout`` per attempt,
``Config.call_timeout`` in all); a read waits at most ``Config.watch_idle_timeout`` unless told
otherwise; ``exec`` and ``wait`` at most ``Config.call_timeout`` in all (``timeout=``); a write
at most ``Config.timeout`` (async client). Errors are :mod:`kubeset.errors` types: the server's
refusal (``Forbidden``, ``NotFound``, ``BadRequest`` …) when opening, a failure ``Status`` that is
not an exit code as the matching :class:`~kubeset.errors.ApiError`, a lost or silent connection
as :class:`~kubeset.errors.ConnectionFailed` or :class:`~kubeset.errors.RequestTimeout`, an
error the pod's side reports for a forwarded port as :class:`~kubeset.errors.PortForwardError`.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from types import EllipsisType
from typing import Any, Literal, TypeVar

import httpx

from kubeset._async.client import AsyncResourceClient
from kubeset._async.rest import AsyncRESTClient
from kubeset._runner import AsyncTask
from kubeset._wsio import AsyncLocalForwarder, AsyncWebSocketConn, log
from kubeset.errors import (
    ApiError,
    ConnectionFailed,
    KubesetError,
    PortForwardError,
    RequestTimeout,
    error_from_status,
)
from kubeset.model import KubeModel
from kubeset.request import Request, attach_params, connect_request, exec_params

__all__ = [
    "EXEC_PROTOCOLS",
    "PORT_FORWARD_PROTOCOLS",
    "AsyncExecSession",
    "AsyncPortForward",
    "AsyncPortForwardStream",
    "AsyncWithAttach",
    "AsyncWithConnect",
    "AsyncWithExec",
    "AsyncWithPortForward",
    "AsyncWithProxy",
    "ExecResult",
]

T = TypeVar("T", bound="KubeModel | dict[str, Any]")
L = TypeVar("L", bound="KubeModel | dict[str, Any]")

#: The subprotocols exec and attach offer, preferred first.
EXEC_PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
#: The subprotocol of port-forwarding over WebSocket.
PORT_FORWARD_PROTOCOLS = ("v4.channel.k8s.io",)

STDIN, STDOUT, STDERR, STATUS, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
#: The largest message written at once (stdin, forwarded data).
CHUNK = 64 * 1024
#: Stdin up to this size is written before reading; larger stdin is written concurrently.
INLINE_STDIN = 64 * 1024

StreamName = Literal["stdout", "stderr"]
_NAMES: dict[int, StreamName] = {STDOUT: "stdout", STDERR: "stderr"}


@dataclass(frozen=True, slots=True)
class ExecResult:
    """What a command run by ``exec`` wrote, and how it ended."""

    stdout: bytes
    stderr: bytes
    exit_code: int

    @property
    def ok(self) -> bool:
        """Whether the command exited with 0."""
        return self.exit_code == 0


def exit_code(status: Mapping[str, Any], request: Request) -> int:
    """The exit code a final ``Status`` reports; the typed error of one that reports anything
    else (the command could not be started, the container is gone …)."""
    if status.get("status") == "Success":
        return 0
    details = status.get("details")
    causes = details.get("causes") if isinstance(details, dict) else None
    if status.get("reason") == "NonZeroExitCode" and isinstance(causes, list):
        for cause in causes:
            if isinstance(cause, dict) and cause.get("reason") == "ExitCode":
                try:
                    return int(cause.get("message", ""))
                except ValueError:
                    break
    raise error_from_status(dict(status), request=request.info())


def _seconds(value: float | EllipsisType | None, default: float | None) -> float | None:
    return default if isinstance(value, EllipsisType) else value


class _Deadline:
    """What is left of a time bound, for each wait within it."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.at = None if seconds is None else time.monotonic() + seconds

    def wait(self, idle: float | None) -> float | None:
        if self.at is None:
            return idle
        left = max(0.0, self.at - time.monotonic())
        return left if idle is None else min(idle, left)


class AsyncExecSession:
    """An ``exec`` or ``attach`` session: ``async with pods.stream_exec("p", ["sh"], stdin=True,
    tty=True) as s: ...``. The WebSocket opens on ``async with`` (or :meth:`open`).

    - :meth:`write_stdin`, :meth:`close_stdin` (v5 only: on a v4 server it does nothing),
      :meth:`resize` (a tty's size, in characters);
    - :meth:`read` (or ``async for stream, data in s``): the next ``("stdout" | "stderr",
      bytes)`` chunk, ``None`` once the process ended;
    - :meth:`wait`: the exit code, once the process ended; output not read yet is collected in
      :attr:`stdout` and :attr:`stderr`.

    A failure that is not an exit code (a command that cannot be run …) is raised as the typed
    error of its ``Status`` by whichever of these sees it.
    """

    def __init__(
        self, rest: AsyncRESTClient, request: Request, *, stdin: bool = False, tty: bool = False
    ) -> None:
        self._rest = rest
        self.request = request
        self.stdin = stdin
        self.tty = tty
        self.stdout = bytearray()
        """Output collected by :meth:`wait` (what :meth:`read` returned is not kept)."""
        self.stderr = bytearray()
        """Error output collected by :meth:`wait`."""
        self.exit_code: int | None = None
        """The exit code, once the process ended."""
        self.status: dict[str, Any] | None = None
        """The final ``Status`` the server sent."""
        self.protocol = ""
        """The subprotocol the server chose (``v5.channel.k8s.io`` or ``v4.channel.k8s.io``)."""
        self._conn: AsyncWebSocketConn | None = None
        self._stack: AsyncExitStack | None = None
        self._error: ApiError | None = None
        self._ended = False
        self._closed = False

    async def __aenter__(self) -> AsyncExecSession:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def open(self) -> None:
        """Open the WebSocket (done by ``async with``)."""
        if self._closed:
            raise RuntimeError("this session is closed")
        if self._conn is None:
            stack = AsyncExitStack()
            self._conn = await stack.enter_async_context(self._rest.websocket(self.request))
            self._stack = stack
            self.protocol = self._conn.subprotocol

    async def aclose(self) -> None:
        """Close the WebSocket (idempotent): the server ends a process it started for an
        ``exec`` whose session closes."""
        self._closed = True
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.aclose()

    def _open_conn(self) -> AsyncWebSocketConn:
        if self._conn is None or self._closed:
            raise RuntimeError("the session is not open: use it in a `with` block")
        return self._conn

    async def write_stdin(self, data: bytes | str) -> None:
        """Send ``data`` to the process's standard input (``str`` as UTF-8)."""
        conn = self._open_conn()
        raw = data.encode() if isinstance(data, str) else bytes(data)
        for start in range(0, len(raw), CHUNK):
            await conn.send(bytes([STDIN]) + raw[start : start + CHUNK])

    async def close_stdin(self) -> None:
        """End the process's standard input (v5; a v4 server has no way to say it)."""
        conn = self._open_conn()
        if conn.subprotocol.startswith("v5."):
            await conn.send(bytes([CLOSE, STDIN]))

    async def resize(self, width: int, height: int) -> None:
        """Set the terminal's size (with ``tty=True``), in columns and rows."""
        body = json.dumps({"Width": int(width), "Height": int(height)}).encode()
        await self._open_conn().send(bytes([RESIZE]) + body)

    async def read(
        self, timeout: float | EllipsisType | None = ...
    ) -> tuple[StreamName, bytes] | None:
        """The next chunk of output, ``None`` once the process ended. Waits at most ``timeout``
        seconds (default ``Config.watch_idle_timeout``; ``None``: no limit), then raises
        :class:`~kubeset.errors.RequestTimeout`."""
        wait = _seconds(timeout, self._rest.config.watch_idle_timeout)
        return await self._next(_Deadline(wait), None)

    async def _next(
        self, deadline: _Deadline, idle: float | None
    ) -> tuple[StreamName, bytes] | None:
        if self._error is not None:
            raise self._error
        conn = self._open_conn()
        while not self._ended:
            wait = deadline.wait(idle)
            try:
                message = await conn.receive(wait)
            except TimeoutError:
                raise RequestTimeout(
                    f"no output and no exit within {wait:g} s",
                    request=self.request.info(),
                    url=self.request.url_path,
                ) from None
            if message is None:
                self._ended = True
                if self.exit_code is None:
                    raise ConnectionFailed(
                        "the stream ended before the process's exit status came "
                        f"(close code {conn.close_code})",
                        request=self.request.info(),
                        url=self.request.url_path,
                    )
                return None
            if not message:
                continue
            channel, data = message[0], message[1:]
            name = _NAMES.get(channel)
            if name is not None:
                if data:
                    return name, data
            elif channel == STATUS:
                self._finish(data)
                return None
        return None

    def _finish(self, data: bytes) -> None:
        self._ended = True
        try:
            status = json.loads(data)
        except ValueError:
            status = {"status": "Failure", "message": data.decode("utf-8", "replace")}
        self.status = status if isinstance(status, dict) else {"status": "Failure"}
        try:
            self.exit_code = exit_code(self.status, self.request)
        except ApiError as exc:
            self._error = exc
            raise

    def __aiter__(self) -> AsyncIterator[tuple[StreamName, bytes]]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[tuple[StreamName, bytes]]:
        while (chunk := await self.read()) is not None:
            yield chunk

    async def wait(self, timeout: float | EllipsisType | None = ...) -> int:
        """Wait for the process to end (at most ``timeout`` seconds, default
        ``Config.call_timeout``; ``None``: no limit) and return its exit code; output arriving
        meanwhile goes to :attr:`stdout` and :attr:`stderr`."""
        deadline = _Deadline(_seconds(timeout, self._rest.config.call_timeout))
        while (chunk := await self._next(deadline, None)) is not None:
            name, data = chunk
            (self.stdout if name == "stdout" else self.stderr).extend(data)
        if self._error is not None:
            raise self._error
        assert self.exit_code is not None
        return self.exit_code


class AsyncPortForwardStream:
    """One connection to a port of a pod, over its own WebSocket: ``send`` and ``recv`` like a
    socket (``recv`` returns ``b""`` once the pod's side closed). An error the pod's side
    reports (nothing listens on the port …) is raised as
    :class:`~kubeset.errors.PortForwardError`."""

    def __init__(self, rest: AsyncRESTClient, request: Request, port: int) -> None:
        self._rest = rest
        self.request = request
        self.port = port
        self._conn: AsyncWebSocketConn | None = None
        self._stack: AsyncExitStack | None = None
        self._headers_seen: set[int] = set()
        self._error = bytearray()
        self._ended = False

    async def __aenter__(self) -> AsyncPortForwardStream:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def open(self) -> None:
        """Open the WebSocket (done by ``async with``)."""
        if self._conn is None:
            stack = AsyncExitStack()
            self._conn = await stack.enter_async_context(self._rest.websocket(self.request))
            self._stack = stack

    async def aclose(self) -> None:
        """Close the connection (idempotent)."""
        self._ended = True
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.aclose()

    def _open_conn(self) -> AsyncWebSocketConn:
        if self._conn is None:
            raise RuntimeError("the stream is not open: use it in a `with` block")
        return self._conn

    async def send(self, data: bytes) -> None:
        """Send ``data`` to the pod's port."""
        conn = self._open_conn()
        raw = bytes(data)
        for start in range(0, len(raw), CHUNK):
            await conn.send(b"\x00" + raw[start : start + CHUNK])

    async def recv(self, timeout: float | None = None) -> bytes:
        """The next data from the pod's port, ``b""`` once it closed the connection. Waits at
        most ``timeout`` seconds (``None``: as long as the connection lives), then raises
        :class:`~kubeset.errors.RequestTimeout`."""
        conn = self._open_conn()
        while not self._ended:
            try:
                message = await conn.receive(timeout)
            except TimeoutError:
                raise RequestTimeout(
                    f"no data from port {self.port} within {timeout:g} s",
                    request=self.request.info(),
                    url=self.request.url_path,
                ) from None
            if message is None:
                self._ended = True
                break
            if not message:
                continue
            channel, data = message[0], message[1:]
            if channel not in self._headers_seen:  # first on each channel: the port
                self._headers_seen.add(channel)
                data = data[2:]
            if channel == 0 and data:
                return data
            if channel == 1 and data:
                self._error.extend(data)
                self._ended = True
        if self._error:
            raise PortForwardError(
                self._error.decode("utf-8", "replace"), port=self.port, request=self.request.info()
            )
        return b""


class AsyncPortForward:
    """Port-forwarding to a pod: ``async with pods.port_forward("p", [8080]) as pf:``.

    With ``listen=True`` (the default) each port gets a local TCP listener on ``address``
    (``pf.local_port(8080)`` is its port; a ``(local, remote)`` pair picks the local port, else
    any free one is taken); every connection accepted there is forwarded over a WebSocket of its
    own, like ``kubectl port-forward``. Errors of forwarded connections close them and are kept
    in :attr:`errors` (and logged on ``kubeset.stream``). :meth:`connect` gives a stream to a
    port without any listener.
    """

    def __init__(
        self,
        client: AsyncWithPortForward[Any, Any],
        name: str,
        ports: Sequence[int | tuple[int, int]],
        *,
        address: str = "127.0.0.1",
        listen: bool = True,
    ) -> None:
        self._client = client
        self.name = name
        self.ports = [(p, p) if isinstance(p, int) else (int(p[0]), int(p[1])) for p in ports]
        pairs = [
            (0 if isinstance(p, int) else local, remote)
            for p, (local, remote) in zip(ports, self.ports, strict=True)
        ]
        self.errors: list[BaseException] = []
        self._forwarder = (
            AsyncLocalForwarder(self.connect, pairs, address, self._failed) if listen else None
        )

    def _failed(self, exc: BaseException) -> None:
        self.errors.append(exc)
        log.warning("port-forward to %s: %s", self.name, exc)

    async def __aenter__(self) -> AsyncPortForward:
        if self._forwarder is not None:
            await self._forwarder.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop listening and close every forwarded connection."""
        if self._forwarder is not None:
            await self._forwarder.aclose()

    def local_port(self, remote: int) -> int:
        """The local port that forwards to the pod's port ``remote``."""
        if self._forwarder is None:
            raise RuntimeError("port_forward(..., listen=False) has no local listeners")
        try:
            return self._forwarder.local_ports[remote]
        except KeyError:
            raise KeyError(
                f"port {remote} is not forwarded (not started, or not asked for)"
            ) from None

    def connect(self, remote: int) -> AsyncPortForwardStream:
        """A stream to the pod's port ``remote`` (opened by ``async with``)."""
        return self._client.port_forward_stream(self.name, remote)


# --- the mixins -----------------------------------------------------------------------------------


class AsyncWithConnect(AsyncResourceClient[T, L]):
    """``connect``: the raw request to a connect subresource."""

    async def connect(
        self,
        name: str,
        subresource: str,
        *,
        method: str = "GET",
        path: str | None = None,
        params: Sequence[tuple[str, str]] = (),
        body: bytes | None = None,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request to the ``subresource`` of ``name`` and return the whole response
        (for protocols kubeset does not speak itself, such as the SPDY upgrades of POST
        ``exec``); an error status raises the typed error. ``method`` must be one the resource
        declares for it (``info.connect``)."""
        req = connect_request(
            self._info,
            self.namespace,
            name,
            subresource,
            method,
            path=path,
            params=params,
            body=body,
            content_type=content_type,
            headers=tuple((headers or {}).items()),
        )
        return await self._rest.request(req)


class AsyncWithExec(AsyncWithConnect[T, L]):
    """``exec`` and ``stream_exec`` (the ``exec`` subresource of pods)."""

    def stream_exec(
        self,
        name: str,
        command: Sequence[str],
        *,
        container: str | None = None,
        stdin: bool = False,
        stdout: bool = True,
        stderr: bool = True,
        tty: bool = False,
    ) -> AsyncExecSession:
        """An interactive session of ``command`` in a container of ``name`` (the only one, or
        ``container``): ``async with pods.stream_exec("p", ["sh"], stdin=True, tty=True) as s``.
        With ``tty`` the terminal merges stderr into stdout."""
        params = exec_params(
            command,
            container=container,
            stdin=stdin,
            stdout=stdout,
            stderr=stderr and not tty,
            tty=tty,
        )
        req = connect_request(
            self._info, self.namespace, name, "exec", params=params, websocket=EXEC_PROTOCOLS
        )
        return AsyncExecSession(self._rest, req, stdin=stdin, tty=tty)

    async def exec(
        self,
        name: str,
        command: Sequence[str],
        *,
        container: str | None = None,
        stdin: bytes | str | None = None,
        tty: bool = False,
        timeout: float | EllipsisType | None = ...,
    ) -> ExecResult:
        """Run ``command`` in a container of ``name`` to its end, feeding it ``stdin`` (then
        closing it), and return what it wrote and its exit code — a non-zero exit is a result,
        not an error. At most ``timeout`` seconds in all (default ``Config.call_timeout``;
        ``None``: no limit): :class:`~kubeset.errors.RequestTimeout` after that."""
        session = self.stream_exec(
            name, command, container=container, stdin=stdin is not None, tty=tty
        )
        seconds = _seconds(timeout, self._rest.config.call_timeout)
        deadline = _Deadline(seconds)
        async with session:
            feeder: AsyncTask | None = None
            if stdin is not None:
                data = stdin.encode() if isinstance(stdin, str) else bytes(stdin)

                async def feed() -> None:
                    try:
                        await session.write_stdin(data)
                        await session.close_stdin()
                    except KubesetError as exc:  # the process ended before reading it all
                        log.debug("exec stdin: %s", exc)

                if len(data) <= INLINE_STDIN:
                    await feed()
                else:  # written while the output is read: neither side can fill up and stall
                    feeder = AsyncTask(feed, "kubeset-exec-stdin")
            try:
                code = await session.wait(deadline.wait(None))
            finally:
                if feeder is not None:
                    feeder.cancel()
                    await feeder.join(1.0)
        return ExecResult(bytes(session.stdout), bytes(session.stderr), code)


class AsyncWithAttach(AsyncWithConnect[T, L]):
    """``attach`` (the ``attach`` subresource of pods)."""

    def attach(
        self,
        name: str,
        *,
        container: str | None = None,
        stdin: bool = False,
        stdout: bool = True,
        stderr: bool = True,
        tty: bool = False,
    ) -> AsyncExecSession:
        """A session on the main process of a container of ``name`` (its standard streams; the
        container needs ``stdin: true`` for ``stdin``, ``tty: true`` for ``tty``). Closing the
        session detaches; the process goes on."""
        params = attach_params(
            container=container, stdin=stdin, stdout=stdout, stderr=stderr and not tty, tty=tty
        )
        req = connect_request(
            self._info, self.namespace, name, "attach", params=params, websocket=EXEC_PROTOCOLS
        )
        return AsyncExecSession(self._rest, req, stdin=stdin, tty=tty)


class AsyncWithPortForward(AsyncWithConnect[T, L]):
    """``port_forward`` and ``port_forward_stream`` (the ``portforward`` subresource of
    pods)."""

    def port_forward(
        self,
        name: str,
        ports: Sequence[int | tuple[int, int]],
        *,
        address: str = "127.0.0.1",
        listen: bool = True,
    ) -> AsyncPortForward:
        """Forward ``ports`` of ``name``: ``async with pods.port_forward("p", [8080]) as pf:``
        then connect to ``(address, pf.local_port(8080))``; ``(local, remote)`` pairs choose the
        local port. See :class:`AsyncPortForward`."""
        return AsyncPortForward(self, name, ports, address=address, listen=listen)

    def port_forward_stream(self, name: str, port: int) -> AsyncPortForwardStream:
        """One connection to ``port`` of ``name``, socket-like (opened by ``async with``)."""
        req = connect_request(
            self._info,
            self.namespace,
            name,
            "portforward",
            params=(("ports", str(int(port))),),
            websocket=PORT_FORWARD_PROTOCOLS,
        )
        return AsyncPortForwardStream(self._rest, req, int(port))


def _proxy_name(name: str, port: int | str | None, scheme: str | None) -> str:
    """``[scheme:]name[:port]``, how a proxy names the port to reach."""
    if scheme:
        return f"{scheme}:{name}:{port if port is not None else ''}"
    return f"{name}:{port}" if port is not None else name


class AsyncWithProxy(AsyncWithConnect[T, L]):
    """``proxy`` and ``proxy_get`` (the ``proxy`` subresource of pods, services and nodes)."""

    async def proxy(
        self,
        name: str,
        path: str = "",
        *,
        method: str = "GET",
        port: int | str | None = None,
        scheme: str | None = None,
        params: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        body: bytes | str | None = None,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send ``method`` to ``path`` on ``name`` through the API server's proxy and return
        the whole response; an error status raises the typed error (its message carries the
        body). ``port`` (a number or a port name) and ``scheme`` (``https``) pick where on
        ``name`` it goes; ``params`` is the query sent on."""
        query = list(params.items()) if isinstance(params, Mapping) else list(params or ())
        req = connect_request(
            self._info,
            self.namespace,
            _proxy_name(name, port, scheme),
            "proxy",
            method,
            path=path or None,
            params=query,
            body=body.encode() if isinstance(body, str) else body,
            content_type=content_type,
            headers=tuple((headers or {}).items()),
        )
        return await self._rest.request(req)

    async def proxy_get(
        self,
        name: str,
        path: str = "",
        *,
        port: int | str | None = None,
        scheme: str | None = None,
        params: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> bytes:
        """GET ``path`` on ``name`` through the API server's proxy: the body."""
        response = await self.proxy(
            name, path, port=port, scheme=scheme, params=params, headers=headers
        )
        return response.content
