"""The fault proxy itself, against local echo, blob and HTTP servers on 127.0.0.1."""

from __future__ import annotations

import http.server
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.faults.proxy import Fault, FaultProxy, _TlsCut, wait_until

TIMEOUT = 5.0


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.server.behaviour(self.request)  # type: ignore[attr-defined]


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, behaviour: Callable[[socket.socket], None]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.behaviour = behaviour


def _echo(sock: socket.socket) -> None:
    sock.settimeout(TIMEOUT)
    try:
        while data := sock.recv(65536):
            sock.sendall(data)
    except OSError:
        pass


def _blob(payload: bytes) -> Callable[[socket.socket], None]:
    def send(sock: socket.socket) -> None:
        sock.settimeout(TIMEOUT)
        try:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)
            while sock.recv(65536):
                pass
        except OSError:
            pass

    return send


def _serve(behaviour: Callable[[socket.socket], None]) -> Iterator[tuple[str, int]]:
    server = _Server(behaviour)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.server_address  # type: ignore[misc]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)


@pytest.fixture
def echo() -> Iterator[tuple[str, int]]:
    yield from _serve(_echo)


BLOB = bytes(range(256)) * 40  # 10240 bytes


@pytest.fixture
def blob() -> Iterator[tuple[str, int]]:
    yield from _serve(_blob(BLOB))


def _record(payload_size: int, fill: int) -> bytes:
    return struct.pack("!BBBH", 23, 3, 3, payload_size) + bytes([fill]) * payload_size


RECORDS = _record(100, 1) + _record(100, 2) + _record(100, 3)


@pytest.fixture
def tls_blob() -> Iterator[tuple[str, int]]:
    yield from _serve(_blob(RECORDS))


@pytest.fixture
def proxy_to() -> Iterator[Callable[[tuple[str, int]], FaultProxy]]:
    proxies: list[FaultProxy] = []

    def make(upstream: tuple[str, int]) -> FaultProxy:
        proxy = FaultProxy(upstream).start()
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.close()
        assert proxy.alive_threads == 0


def _connect(proxy: FaultProxy, timeout: float = TIMEOUT) -> socket.socket:
    sock = socket.create_connection(proxy.address, timeout=timeout)
    return sock


def _read_all(sock: socket.socket, limit: float = TIMEOUT) -> tuple[bytes, BaseException | None]:
    """Everything until EOF (or an error, returned) within ``limit`` seconds."""
    sock.settimeout(limit)
    got = bytearray()
    try:
        while data := sock.recv(65536):
            got += data
    except OSError as exc:
        return bytes(got), exc
    return bytes(got), None


def _echo_once(sock: socket.socket, payload: bytes = b"ping") -> bytes:
    sock.sendall(payload)
    got = b""
    while len(got) < len(payload):
        data = sock.recv(65536)
        if not data:
            break
        got += data
    return got


def test_pass_relays_both_ways_and_counts(
    echo: tuple[str, int], proxy_to: Callable[..., FaultProxy]
) -> None:
    proxy = proxy_to(echo)
    with _connect(proxy) as a, _connect(proxy) as b:
        assert _echo_once(a, b"hello") == b"hello"
        assert _echo_once(b, b"x" * 200_000) == b"x" * 200_000
    assert wait_until(lambda: proxy.stats().bytes_down == 200_005, TIMEOUT)
    stats = proxy.stats()
    assert stats.connections == 2 and stats.faults_applied == 0 and stats.bytes_up == 200_005


def test_reset_open_connection_at_once(
    echo: tuple[str, int], proxy_to: Callable[..., FaultProxy]
) -> None:
    proxy = proxy_to(echo)
    with _connect(proxy) as sock:
        assert _echo_once(sock) == b"ping"
        proxy.reset(new=False)
        _, error = _read_all(sock)
        assert isinstance(error, ConnectionResetError)
    assert proxy.stats().faults == {"reset": 1}


def test_reset_new_connection_on_its_first_bytes(
    echo: tuple[str, int], proxy_to: Callable[..., FaultProxy]
) -> None:
    proxy = proxy_to(echo)
    proxy.reset()
    with _connect(proxy) as sock:
        sock.sendall(b"ping")
        _, error = _read_all(sock)
        assert isinstance(error, ConnectionResetError)


def test_reset_after_bytes(blob: tuple[str, int], proxy_to: Callable[..., FaultProxy]) -> None:
    proxy = proxy_to(blob)
    proxy.reset(after_bytes=1000)
    with _connect(proxy) as sock:
        got, error = _read_all(sock)
    # The RST may discard bytes still in flight, never add any.
    assert BLOB.startswith(got) and len(got) <= 1000
    assert isinstance(error, ConnectionResetError)


def test_stall_then_pass_resumes(
    echo: tuple[str, int], proxy_to: Callable[..., FaultProxy]
) -> None:
    proxy = proxy_to(echo)
    with _connect(proxy) as sock:
        assert _echo_once(sock) == b"ping"
        proxy.stall()
        sock.sendall(b"stalled")
        sock.settimeout(0.3)
        with pytest.raises(TimeoutError):
            sock.recv(100)
        proxy.passthrough()
        sock.settimeout(TIMEOUT)
        assert sock.recv(100) == b"stalled"
    assert proxy.stats().faults == {"stall": 1}


def test_stall_one_direction(blob: tuple[str, int], proxy_to: Callable[..., FaultProxy]) -> None:
    proxy = proxy_to(blob)
    proxy.stall("down")
    with _connect(proxy) as sock:
        sock.settimeout(0.3)
        with pytest.raises(TimeoutError):
            sock.recv(100)
        proxy.stall("up")  # the server → client way flows again
        got, error = _read_all(sock)
    assert got == BLOB and error is None


def test_truncate_counts_bytes(blob: tuple[str, int], proxy_to: Callable[..., FaultProxy]) -> None:
    proxy = proxy_to(blob)
    proxy.truncate_after(3000, tls_records=False)
    with _connect(proxy) as sock:
        got, error = _read_all(sock)
    assert got == BLOB[:3000] and error is None  # a clean FIN after exactly 3000 bytes
    assert proxy.stats().faults == {"truncate": 1}


def test_truncate_on_a_tls_record_boundary(
    tls_blob: tuple[str, int], proxy_to: Callable[..., FaultProxy]
) -> None:
    proxy = proxy_to(tls_blob)
    proxy.truncate_after(250)  # two whole records (210 bytes) fit, the third does not
    with _connect(proxy) as sock:
        got, error = _read_all(sock)
    assert got == RECORDS[:210] and error is None


def test_tls_cut_plan_waits_for_whole_headers() -> None:
    cut = _TlsCut()
    assert cut.plan(RECORDS[:3], 0, 1000) == (0, False)  # not a whole header yet
    assert cut.plan(RECORDS[:50], 0, 1000) == (50, False)  # the first record fits
    assert cut.plan(RECORDS[50:], 50, 1000) == (len(RECORDS) - 50, False)
    assert _TlsCut().plan(RECORDS, 0, 300) == (210, True)  # the third record does not fit
    assert _TlsCut().plan(RECORDS, 0, 210) == (210, True)  # exactly two
    plain = _TlsCut()
    assert plain.plan(b"GET / HTTP/1.1\r\n", 0, 5) == (5, True)


def test_delay_holds_then_relays(
    echo: tuple[str, int], proxy_to: Callable[..., FaultProxy]
) -> None:
    proxy = proxy_to(echo)
    proxy.delay(0.4)
    with _connect(proxy) as sock:
        start = time.monotonic()
        assert _echo_once(sock) == b"ping"
        assert time.monotonic() - start >= 0.3
    assert proxy.stats().faults == {"delay": 1}


def test_slow_paces_the_relay(blob: tuple[str, int], proxy_to: Callable[..., FaultProxy]) -> None:
    proxy = proxy_to(blob)
    proxy.slow(20_000)
    start = time.monotonic()
    with _connect(proxy) as sock:
        got, error = _read_all(sock)
    elapsed = time.monotonic() - start
    assert got == BLOB and error is None
    assert 0.35 <= elapsed < TIMEOUT  # 10240 bytes at 20 kB/s: about half a second


def test_drop_new_only_the_next_one(
    echo: tuple[str, int], proxy_to: Callable[..., FaultProxy]
) -> None:
    proxy = proxy_to(echo)
    proxy.drop_new(new=1)
    with _connect(proxy) as dropped:
        got, _ = _read_all(dropped)
        assert got == b""
    with _connect(proxy) as sock:
        assert _echo_once(sock) == b"ping"
    assert proxy.stats().faults == {"drop": 1} and proxy.stats().connections == 2


def test_new_connections_count(echo: tuple[str, int], proxy_to: Callable[..., FaultProxy]) -> None:
    proxy = proxy_to(echo)
    with _connect(proxy) as old:
        assert _echo_once(old) == b"ping"
        proxy.set_fault(Fault("reset"), existing=False, new=2)
        for _ in range(2):
            with _connect(proxy) as sock:
                sock.sendall(b"x")
                assert isinstance(_read_all(sock)[1], ConnectionResetError)
        with _connect(proxy) as sock:
            assert _echo_once(sock) == b"ping"
        assert _echo_once(old) == b"ping"  # existing=False left it alone


def test_close_joins_every_thread_and_frees_stalled_clients(echo: tuple[str, int]) -> None:
    proxy = FaultProxy(echo).start()
    socks = [_connect(proxy) for _ in range(3)]
    try:
        assert wait_until(lambda: proxy.stats().active == 3, TIMEOUT)
        proxy.stall()
        for sock in socks:
            sock.sendall(b"x")
        start = time.monotonic()
        proxy.close()
        assert time.monotonic() - start < TIMEOUT
        assert proxy.alive_threads == 0
        for sock in socks:
            got, _ = _read_all(sock, 2.0)
            assert got == b""  # closed, not left hanging
    finally:
        for sock in socks:
            sock.close()


def test_unknown_fault_is_refused() -> None:
    with pytest.raises(ValueError):
        Fault("explode")
    with pytest.raises(ValueError):
        Fault("slow")


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"hello " * 1000
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[tuple[str, int]]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server.server_address  # type: ignore[misc]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)


def test_http_through_the_proxy(
    http_server: tuple[str, int], proxy_to: Callable[..., FaultProxy]
) -> None:
    proxy = proxy_to(http_server)
    with httpx.Client(base_url=proxy.url("http"), timeout=TIMEOUT) as client:
        assert client.get("/").content == b"hello " * 1000
        proxy.truncate_after(3000, tls_records=False)
        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/")  # the kept-alive connection is cut inside the body
        proxy.passthrough()
        assert client.get("/").content == b"hello " * 1000
        proxy.stall()
        with pytest.raises(httpx.ReadTimeout):
            client.get("/", timeout=0.3)
