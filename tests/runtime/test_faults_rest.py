"""The REST clients against misbehaving loopback servers: every failure typed, every wait bounded.

Each server here is a raw asyncio server in a thread of its own (so that its CPU is not the
client's, and a sync client can use it too). Every test bounds itself (``asyncio.wait_for``,
thread joins with timeouts), so a regression fails instead of hanging the suite.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest

import kubeset._async.watch
import kubeset._sync.watch
from kubeset._async.watch import AsyncWatch
from kubeset._sync.watch import Watch
from kubeset.config import Config
from kubeset.decode import decode_event_dict
from kubeset.errors import (
    Conflict,
    ConnectionFailed,
    DecodeError,
    FieldManagerConflict,
    Gone,
    InvalidRequest,
    KubesetError,
    RequestInfo,
    RequestTimeout,
    TransportError,
    error_from_response,
    error_from_status,
)
from kubeset.httpclient import AsyncLaneTransport
from kubeset.ratelimit import TokenBucket
from kubeset.request import Request
from kubeset.rest import AsyncRESTClient, RESTClient

GET = Request("GET", "/api/v1/namespaces/default/pods/web")
WATCH = Request("GET", "/api/v1/pods", (("watch", "true"),))
OK_BODY = b'{"kind":"Pod","metadata":{"name":"web"}}'

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Loopback:
    """An asyncio TCP server on 127.0.0.1 in its own thread, calling ``handler`` per connection."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.loop = asyncio.new_event_loop()
        self.connections = 0
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self._thread.start()
        assert ready.wait(5)

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)

        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            try:
                await self.handler(reader, writer)
            except (ConnectionError, asyncio.CancelledError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()

        async def start() -> asyncio.Server:
            return await asyncio.start_server(serve, "127.0.0.1", 0, backlog=1024)

        self.server = self.loop.run_until_complete(start())
        self.port = self.server.sockets[0].getsockname()[1]
        ready.set()
        try:
            self.loop.run_forever()
        finally:
            tasks = asyncio.all_tasks(self.loop)
            for task in tasks:
                task.cancel()
            self.loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            self.loop.close()

    @property
    def host(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


async def read_request(reader: asyncio.StreamReader) -> str:
    """The request line of the next request (headers read and dropped; no bodies here)."""
    head = await reader.readuntil(b"\r\n\r\n")
    return head.split(b"\r\n", 1)[0].decode()


def response(body: bytes, *, status: str = "200 OK", length: int | None = None) -> bytes:
    n = len(body) if length is None else length
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {n}\r\n\r\n"
    ).encode() + body


CHUNKED_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
)


def chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)
    await asyncio.sleep(3600)


async def headers_then_stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)
    writer.write(CHUNKED_HEAD)
    await writer.drain()
    await asyncio.sleep(3600)


async def short_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)
    writer.write(response(OK_BODY[:10], length=len(OK_BODY)))
    await writer.drain()


async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def not_http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_request(reader)
    writer.write(b"SSH-2.0-OpenSSH_9.6\r\n")
    await writer.drain()


async def fast(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while True:
        line = await read_request(reader)
        if "/slow" in line:
            await asyncio.sleep(3600)
        writer.write(response(OK_BODY))
        await writer.drain()


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], Loopback]]:
    servers: list[Loopback] = []

    def start(handler: Handler) -> Loopback:
        servers.append(Loopback(handler))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def run_bounded(fn: Callable[[], Any], limit: float) -> Any:
    """``fn()`` in a thread, failing the test if it is not done within ``limit`` seconds."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = fn()
        except BaseException as exc:
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(limit)
    assert not thread.is_alive(), f"still blocked after {limit} s"
    if "error" in result:
        raise result["error"]
    return result.get("value")


def sync_get(config: Config, req: Request = GET) -> httpx.Response:
    with RESTClient(config) as rest:
        return rest.request(req)


async def async_get(config: Config, req: Request = GET) -> httpx.Response:
    async with AsyncRESTClient(config) as rest:
        return await rest.request(req)


def both(config: Config, limit: float, req: Request = GET) -> list[BaseException]:
    """The errors a sync and an async GET raise (each bounded by ``limit`` seconds)."""
    errors: list[BaseException] = []

    def sync() -> None:
        sync_get(config, req)

    for call in (sync, lambda: asyncio.run(asyncio.wait_for(async_get(config, req), limit))):
        try:
            run_bounded(call, limit)
        except (KubesetError, httpx.HTTPError, TimeoutError) as exc:
            errors.append(exc)
        else:
            raise AssertionError("no error")
    return errors


# --- defect 3: every transport failure is a KubesetError naming method and URL -------------------


def test_refused_connection_is_typed() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = Config(host=f"http://127.0.0.1:{port}", qps=0, max_retries=1)
    for error in both(config, 10):
        assert isinstance(error, ConnectionFailed) and isinstance(error, TransportError)
        assert isinstance(error.__cause__, httpx.ConnectError)
        assert isinstance(error, httpx.ConnectError)  # handlers written for httpx still work
        assert error.request == RequestInfo("GET", GET.url_path)
        assert str(error).startswith(f"GET http://127.0.0.1:{port}{GET.path}: cannot connect")


@pytest.mark.parametrize("handler", [reset, not_http], ids=["reset", "not-http"])
def test_broken_connection_is_typed(serve: Any, handler: Handler) -> None:
    server = serve(handler)
    config = Config(host=server.host, qps=0, max_retries=0)
    for error in both(config, 10):
        assert isinstance(error, ConnectionFailed), repr(error)
        assert isinstance(error.__cause__, httpx.TransportError)
        assert f"GET {server.host}{GET.path}" in str(error)


def test_short_body_is_a_decode_error(serve: Any) -> None:
    server = serve(short_body)
    config = Config(host=server.host, qps=0, max_retries=0)
    for error in both(config, 10):
        assert isinstance(error, DecodeError), repr(error)
        assert isinstance(error.__cause__, httpx.RemoteProtocolError)
        assert "cut short" in str(error) and GET.path in str(error)


def test_invalid_header_value_is_typed_without_the_value(serve: Any) -> None:
    server = serve(fast)
    config = Config(host=server.host, qps=0, user_agent="agent\nsecret-token")
    for error in both(config, 10):
        assert isinstance(error, InvalidRequest), repr(error)
        assert "secret-token" not in str(error)
        assert error.__cause__ is None and error.__suppress_context__


def test_invalid_url_is_typed(serve: Any) -> None:
    server = serve(fast)
    config = Config(host=server.host, qps=0)
    for error in both(config, 10, Request("GET", "/api/v1/pods/a b\x00")):
        assert isinstance(error, KubesetError), repr(error)


# --- defect 2 and 4: bounded waits --------------------------------------------------------------


def test_retries_stay_within_the_call_timeout(serve: Any) -> None:
    """6 attempts of 1 s would take over 6 s; the call must end after about call_timeout."""
    server = serve(never_answer)
    config = Config(host=server.host, qps=0, timeout=1.0, call_timeout=1.5, max_retries=5)
    for call in (
        lambda: sync_get(config),
        lambda: asyncio.run(asyncio.wait_for(async_get(config), 10)),
    ):
        start = time.monotonic()
        with pytest.raises(RequestTimeout) as info:
            run_bounded(call, 10)
        assert time.monotonic() - start < 2.5
        assert isinstance(info.value.__cause__, httpx.ReadTimeout)
        assert "timed out waiting for the response" in str(info.value)


def test_call_timeout_bounds_a_single_attempt(serve: Any) -> None:
    server = serve(never_answer)
    config = Config(host=server.host, qps=0, timeout=30.0, call_timeout=0.5, max_retries=0)
    start = time.monotonic()
    with pytest.raises(RequestTimeout):
        run_bounded(lambda: sync_get(config), 10)
    assert time.monotonic() - start < 2


def watch_sync(config: Config, req: Request = WATCH) -> list[Any]:
    with RESTClient(config) as rest, Watch(rest, req, decode_event_dict) as w:
        return list(w)


async def watch_async(config: Config, req: Request = WATCH) -> list[Any]:
    async with AsyncRESTClient(config) as rest, AsyncWatch(rest, req, decode_event_dict) as w:
        return [event async for event in w]


def watch_both(config: Config, req: Request, limit: float) -> list[BaseException]:
    errors: list[BaseException] = []
    for call in (
        lambda: watch_sync(config, req),
        lambda: asyncio.run(asyncio.wait_for(watch_async(config, req), limit)),
    ):
        start = time.monotonic()
        try:
            run_bounded(call, limit)
        except (KubesetError, httpx.HTTPError) as exc:
            errors.append(exc)
        else:
            raise AssertionError("the watch ended without an error")
        assert time.monotonic() - start < limit
    return errors


@pytest.mark.parametrize(
    "handler", [never_answer, headers_then_stall], ids=["no-headers", "no-body"]
)
def test_silent_watch_times_out(serve: Any, handler: Handler) -> None:
    server = serve(handler)
    config = Config(host=server.host, qps=0, timeout=0.5, watch_idle_timeout=0.5, max_retries=0)
    for error in watch_both(config, WATCH, 5):
        assert isinstance(error, RequestTimeout), repr(error)
        assert "/api/v1/pods?watch=true" in str(error)


def test_watch_ends_after_its_timeout_seconds(serve: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server neither ends the watch nor stays quite silent (a proxy that relays keepalive
    bytes, say): the client gives up timeoutSeconds + the margin after it started."""

    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(CHUNKED_HEAD)
        while True:
            writer.write(chunk(b"\n"))
            await writer.drain()
            await asyncio.sleep(0.1)

    for module in (kubeset._async.watch, kubeset._sync.watch):
        monkeypatch.setattr(module, "TIMEOUT_MARGIN", 0.5)
    server = serve(trickle)
    config = Config(host=server.host, qps=0, watch_idle_timeout=None)
    req = Request("GET", "/api/v1/pods", (("watch", "true"), ("timeoutSeconds", "1")))
    for error in watch_both(config, req, 5):
        assert isinstance(error, RequestTimeout)
        assert "timeoutSeconds" in str(error)


def test_watch_without_timeout_seconds_silent_server(serve: Any) -> None:
    server = serve(headers_then_stall)
    config = Config(host=server.host, qps=0, watch_idle_timeout=None)
    req = Request("GET", "/api/v1/pods", (("watch", "true"), ("timeoutSeconds", "1")))
    for module in (kubeset._async.watch, kubeset._sync.watch):
        module.TIMEOUT_MARGIN, saved = 0.5, module.TIMEOUT_MARGIN
    try:
        for error in watch_both(config, req, 5):
            assert isinstance(error, RequestTimeout)
    finally:
        for module in (kubeset._async.watch, kubeset._sync.watch):
            module.TIMEOUT_MARGIN = saved


def test_broken_watch_stream_is_typed(serve: Any) -> None:
    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(CHUNKED_HEAD + b'40\r\n{"type":')
        await writer.drain()

    server = serve(cut)
    config = Config(host=server.host, qps=0)
    for error in watch_both(config, WATCH, 5):
        assert isinstance(error, ConnectionFailed), repr(error)
        assert "stream broke" in str(error)


# --- defect 11 ------------------------------------------------------------------------------------

GONE = {
    "type": "ERROR",
    "object": {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": "too old resource version: 1 (2)",
        "reason": "Expired",
        "code": 410,
    },
}


def test_watch_error_event_does_not_claim_the_http_status(serve: Any) -> None:
    async def gone(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(CHUNKED_HEAD + chunk(json.dumps(GONE).encode() + b"\n") + b"0\r\n\r\n")
        await writer.drain()

    server = serve(gone)
    config = Config(host=server.host, qps=0)
    for error in watch_both(config, WATCH, 5):
        assert isinstance(error, Gone)
        assert "-> 200" not in str(error)
        assert str(error) == (
            "GET /api/v1/pods?watch=true: watch ERROR event: Expired: too old resource version: 1 (2)"
        )
        assert error.code == 410 and error.request is not None
        assert error.request.status_code is None


def apply_conflict_status() -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": 'Apply failed with 1 conflict: conflict with "a": .data.k',
        "reason": "Conflict",
        "details": {
            "causes": [
                {
                    "reason": "FieldManagerConflict",
                    "message": 'conflict with "a"',
                    "field": ".data.k",
                }
            ]
        },
        "code": 409,
    }


def test_field_manager_conflict_is_its_own_conflict() -> None:
    info = RequestInfo("PATCH", "/api/v1/namespaces/d/configmaps/c", 409)
    error = error_from_response(409, json.dumps(apply_conflict_status()).encode(), info)
    assert type(error) is FieldManagerConflict and isinstance(error, Conflict)
    assert error.conflicts[0]["field"] == ".data.k"
    stale = error_from_status(
        {
            "kind": "Status",
            "reason": "Conflict",
            "code": 409,
            "message": "the object has been modified",
        }
    )
    assert type(stale) is Conflict


# --- defect 5: cancellation, rate-limiter tokens --------------------------------------------------


def test_cancelled_waiters_leave_the_pool_usable(serve: Any) -> None:
    server = serve(fast)
    config = Config(host=server.host, qps=0, max_connections=1, timeout=5.0)
    slow = Request("GET", "/slow")

    async def main() -> float:
        async with AsyncRESTClient(config) as rest:
            tasks = [asyncio.create_task(rest.request(slow)) for _ in range(200)]
            await asyncio.sleep(0.3)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            start = time.monotonic()
            response = await rest.request(GET)
            assert response.content == OK_BODY
            return time.monotonic() - start

    elapsed = asyncio.run(asyncio.wait_for(main(), 15))
    assert elapsed < 2


def test_token_bucket_refund() -> None:
    now = [0.0]
    bucket = TokenBucket(10, 1, clock=lambda: now[0])
    assert bucket.reserve() == 0
    delays = [bucket.reserve() for _ in range(5)]
    assert delays == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5])
    for _ in range(5):
        bucket.refund()
    assert bucket.reserve() == pytest.approx(0.1)
    for _ in range(10):
        bucket.refund()  # never more than the burst
    assert bucket.reserve() == 0 and bucket.reserve() == pytest.approx(0.1)


def test_cancelled_requests_give_their_tokens_back(serve: Any) -> None:
    server = serve(fast)
    config = Config(host=server.host, qps=5, burst=1)

    async def main() -> float:
        async with AsyncRESTClient(config) as rest:
            await rest.request(GET)  # the burst
            tasks = [asyncio.create_task(rest.request(GET)) for _ in range(50)]  # 10 s of tokens
            await asyncio.sleep(0.05)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            start = time.monotonic()
            await rest.request(GET)
            return time.monotonic() - start

    assert asyncio.run(asyncio.wait_for(main(), 15)) < 1


def test_rate_limiter_wait_beyond_the_call_timeout_fails_at_once(serve: Any) -> None:
    server = serve(fast)
    config = Config(host=server.host, qps=1, burst=1, call_timeout=0.5)
    with RESTClient(config) as rest:
        rest.request(GET)
        start = time.monotonic()
        with pytest.raises(RequestTimeout, match="rate limiter"):
            rest.request(GET)
        assert time.monotonic() - start < 0.3
        assert rest._limiter is not None and rest._limiter.reserve() <= 1.0


# --- defect 6: client CPU grows linearly with the requests queued -------------------------------


def test_cpu_per_request_does_not_grow_with_the_queue(serve: Any) -> None:
    """1,000 GETs at once on a pool of 4 connections: the client CPU (this thread's; the server
    runs in another) is about 20x that of 50 GETs. httpcore's own queue, which re-scans every
    waiting request for each request added or removed, costs ~70x here."""

    async def answer_soon(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await read_request(reader)
            await asyncio.sleep(0.005)  # long enough for the requests to queue up
            writer.write(response(OK_BODY))
            await writer.drain()

    server = serve(answer_soon)
    config = Config(host=server.host, qps=0, max_connections=4)

    async def burst(rest: AsyncRESTClient, n: int) -> float:
        start = time.thread_time()
        responses = await asyncio.gather(*(rest.request(GET) for _ in range(n)))
        assert all(r.status_code == 200 for r in responses)
        return time.thread_time() - start

    async def main() -> tuple[float, float]:
        async with AsyncRESTClient(config) as rest:
            assert isinstance(rest.http._transport, AsyncLaneTransport)
            await burst(rest, 20)  # warm up: connections, imports
            small = min([await burst(rest, 50) for _ in range(3)])
            large = await burst(rest, 1000)
            return small, large

    small, large = asyncio.run(asyncio.wait_for(main(), 60))
    assert large / small < 40, (small, large)
