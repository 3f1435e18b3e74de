"""A fake WebSocket server for unit tests: an httpx response that upgrades (101, with a valid
``Sec-WebSocket-Accept``) onto an in-memory network stream, whose server side sends scripted
binary messages (wsproto frames) and records what the client sends."""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Callable, Sequence
from typing import Any

import httpcore
import httpx
import wsproto
import wsproto.events
from wsproto.connection import Connection, ConnectionType

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class FakeServer:
    """The server side of one WebSocket: ``script`` (binary messages) is sent at once, followed
    by a close frame when ``close`` is true; ``received`` collects the client's messages.
    ``reply(message) -> list of messages`` answers client messages as they come."""

    def __init__(
        self,
        script: Sequence[bytes],
        *,
        close: bool = True,
        reply: Callable[[bytes], Sequence[bytes]] | None = None,
    ) -> None:
        self.conn = Connection(ConnectionType.SERVER)
        self.received: list[bytes] = []
        self.closed_by_client = False
        self._reply = reply
        self._out = bytearray()
        self._ready = threading.Condition()
        self._eof = False
        for message in script:
            self._send(message)
        if close:
            self._out += self.conn.send(wsproto.events.CloseConnection(code=1000))

    def _send(self, message: bytes) -> None:
        self._out += self.conn.send(wsproto.events.BytesMessage(data=message))

    # the network stream's two directions
    def client_read(self, max_bytes: int) -> bytes:
        with self._ready:
            while not self._out and not self._eof:
                if not self._ready.wait(5.0):
                    raise httpcore.ReadError("fake server: nothing to read")
            data = bytes(self._out[:max_bytes])
            del self._out[:max_bytes]
            return data

    def client_write(self, data: bytes) -> None:
        self.conn.receive_data(data)
        with self._ready:
            for event in self.conn.events():
                if isinstance(event, wsproto.events.BytesMessage):
                    self.received.append(bytes(event.data))
                    for answer in self._reply(bytes(event.data)) if self._reply else ():
                        self._send(answer)
                elif isinstance(event, wsproto.events.CloseConnection):
                    self.closed_by_client = True
                    if self.conn.state is wsproto.connection.ConnectionState.REMOTE_CLOSING:
                        self._out += self.conn.send(event.response())
                    self._eof = True
                elif isinstance(event, wsproto.events.Ping):
                    self._out += self.conn.send(event.response())
            self._ready.notify_all()

    def client_close(self) -> None:
        with self._ready:
            self._eof = True
            self._ready.notify_all()


class _SyncStream(httpcore.NetworkStream):
    def __init__(self, server: FakeServer) -> None:
        self.server = server

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.server.client_read(max_bytes)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.server.client_write(buffer)

    def close(self) -> None:
        self.server.client_close()

    def get_extra_info(self, info: str) -> Any:
        return None


class _AsyncStream(httpcore.AsyncNetworkStream):
    def __init__(self, server: FakeServer) -> None:
        self.server = server

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        import anyio

        with anyio.fail_after(5.0):
            while True:
                with self.server._ready:
                    if self.server._out or self.server._eof:
                        return self.server.client_read(max_bytes)
                await anyio.sleep(0.001)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.server.client_write(buffer)

    async def aclose(self) -> None:
        self.server.client_close()

    def get_extra_info(self, info: str) -> Any:
        return None


def upgrade(
    request: httpx.Request,
    server: FakeServer,
    *,
    protocol: str | None = None,
    asynchronous: bool = False,
) -> httpx.Response:
    """A 101 response to ``request`` onto ``server``; ``protocol``: the subprotocol chosen
    (default the first offered)."""
    key = request.headers["sec-websocket-key"]
    accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
    offered = [p.strip() for p in request.headers.get("sec-websocket-protocol", "").split(",")]
    chosen = protocol if protocol is not None else offered[0]
    headers = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Accept": accept}
    if chosen:
        headers["Sec-WebSocket-Protocol"] = chosen
    stream = _AsyncStream(server) if asynchronous else _SyncStream(server)
    return httpx.Response(101, headers=headers, extensions={"network_stream": stream})
