"""The aiohttp and urllib3 transports (``kubeset.transports``) against a local HTTP(S) server.

Every test talks to a server on 127.0.0.1 started by a fixture (plain HTTP, TLS with an SNI-only
certificate, a forward proxy with ``CONNECT``); each scenario runs through both transports under
their httpx client, and through kubeset's REST clients with ``Config(transport="fast")``.
"""

from __future__ import annotations

import asyncio
import gc
import gzip
import http.server
import json
import selectors
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

import kubeset._async.rest
import kubeset._sync.rest
from kubeset import Config, ConfigError, NotFound
from kubeset.envtest._pki import CertificateAuthority
from kubeset.httpclient import check_transport, client_options
from kubeset.request import Request
from kubeset.rest import AsyncRESTClient, RESTClient
from kubeset.transports import AiohttpTransport, Urllib3Transport, _no_proxy_matches

KINDS = ["urllib3", "aiohttp"]
SNI_NAME = "kubernetes.default.svc"
WAIT = 5.0  # the longest any server-side wait lasts: every test is bounded

# --- the server -----------------------------------------------------------------------------------


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes
    client_port: int
    peer_cn: str | None = None

    def header(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


@dataclass
class State:
    seen: list[Seen] = field(default_factory=list)
    sni: list[str | None] = field(default_factory=list)
    connects: list[tuple[str, list[str]]] = field(default_factory=list)
    refuse_connect: bool = False
    release: threading.Event = field(default_factory=threading.Event)
    released_in_time: list[bool] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    drops: int = 0


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins the handlers
    state: State


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = WAIT  # an idle keep-alive connection ends after this
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # plumbing
    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or ""):
            out = b""
            while True:
                size = int(self.rfile.readline().strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _reply(
        self, status: int, body: bytes = b"", headers: list[tuple[str, str]] | None = None
    ) -> None:
        self.send_response(status)
        for name, value in headers or []:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def _start_chunked(self) -> None:
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Content-Type", "text/plain")
        self.end_headers()

    def _peer_cn(self) -> str | None:
        getpeercert = getattr(self.connection, "getpeercert", None)
        cert = getpeercert() if getpeercert else None
        for rdn in (cert or {}).get("subject", ()):
            for key, value in rdn:
                if key == "commonName":
                    return str(value)
        return None

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (ConnectionError, TimeoutError, ssl.SSLError):
            self.close_connection = True  # the client went away: not the server's problem

    def do_any(self) -> None:
        state = self.server.state
        body = self._read_body()
        seen = Seen(
            self.command,
            self.path,
            list(self.headers.items()),
            body,
            int(self.client_address[1]),
            self._peer_cn(),
        )
        state.seen.append(seen)
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        route = url.path.strip("/")
        if route == "echo":
            payload = {"method": self.command, "target": self.path, "body": body.decode()}
            self._reply(
                int(query.get("status", "200")),
                json.dumps(payload).encode(),
                [
                    ("Content-Type", "application/json"),
                    ("X-Rep", "a"),
                    ("X-Rep", "b"),
                    ("Set-Cookie", "session=1; Path=/"),
                ],
            )
        elif route == "small-chunked":
            self._start_chunked()
            self._chunk(b"abc")
            self._chunk(b"")
        elif route == "big":
            self._reply(200, bytes(range(256)) * (int(query["size"]) // 256))
        elif route == "gzip":
            self._reply(200, gzip.compress(b"hello, gzip"), [("Content-Encoding", "gzip")])
        elif route == "redirect":
            self._reply(302, b"", [("Location", "/echo")])
        elif route == "missing":
            status = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 404}
            status.update(reason="NotFound", message='configmaps "x" not found')
            self._reply(404, json.dumps(status).encode(), [("Content-Type", "application/json")])
        elif route == "lines":
            # The second line is sent only once the client has seen the first (or after WAIT).
            self._start_chunked()
            self._chunk(b"line 0\n")
            state.released_in_time.append(state.release.wait(WAIT))
            self._chunk(b"line 1\nline 2")
            self._chunk(b"\n")
            self._chunk(b"")
        elif route == "slow-headers":
            state.stop.wait(float(query.get("wait", WAIT)))
            self._reply(200, b"late")
        elif route == "slow-body":
            self._start_chunked()
            self._chunk(b"first\n")
            state.stop.wait(WAIT)
            self._chunk(b"")
        elif route == "short":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.close_connection = True
        elif route == "drop" or (route == "drop-once" and state.drops == 0):
            state.drops += 1
            self.close_connection = True  # no response at all
        elif route == "drop-once":
            self._reply(200, b'{"kind":"ConfigMap"}', [("Content-Type", "application/json")])
        else:
            self._reply(404, b"no such route")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_any

    def do_CONNECT(self) -> None:
        state = self.server.state
        state.connects.append((self.path, self.headers.get_all("Proxy-Authorization") or []))
        if state.refuse_connect:
            self._reply(403, b"tunnel refused")
            self.close_connection = True
            return
        host, port = self.path.rsplit(":", 1)
        upstream = socket.create_connection((host, int(port)), timeout=WAIT)
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = True
        with upstream, selectors.DefaultSelector() as sel:
            sel.register(self.connection, selectors.EVENT_READ, upstream)
            sel.register(upstream, selectors.EVENT_READ, self.connection)
            while not state.stop.is_set():
                events = sel.select(WAIT)
                if not events:
                    return
                for key, _ in events:
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.sendall(data)


@dataclass
class Running:
    url: str
    state: State
    port: int


def _serve(tls: ssl.SSLContext | None = None) -> Iterator[Running]:
    server = Server(("127.0.0.1", 0), Handler)
    server.state = State()
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    port = server.server_address[1]
    scheme = "https" if tls is not None else "http"
    try:
        yield Running(f"{scheme}://127.0.0.1:{port}", server.state, int(port))
    finally:
        server.state.stop.set()
        server.state.release.set()
        server.shutdown()
        server.server_close()
        thread.join(WAIT)


@pytest.fixture
def server() -> Iterator[Running]:
    yield from _serve()


@dataclass
class Pki:
    ca: CertificateAuthority
    client_ca: CertificateAuthority
    tmp: Any

    def client_context(self, *, cert: bool = False) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cadata=self.ca.cert_pem.decode())
        if cert:
            pair = self.client_ca.issue("ada", client=True)
            pair.write(self.tmp / "client.crt", self.tmp / "client.key")
            ctx.load_cert_chain(self.tmp / "client.crt", self.tmp / "client.key")
        return ctx


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return Pki(
        CertificateAuthority("transports-test-ca"),
        CertificateAuthority("transports-test-client-ca"),
        tmp_path_factory.mktemp("pki"),
    )


@pytest.fixture
def tls_server(pki: Pki) -> Iterator[Running]:
    """HTTPS with a certificate for SNI_NAME only (not 127.0.0.1); a client certificate is asked
    for, not required."""
    pair = pki.ca.issue("server", dns_names=[SNI_NAME], server=True)
    pair.write(pki.tmp / "server.crt", pki.tmp / "server.key")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(pki.tmp / "server.crt", pki.tmp / "server.key")
    ctx.load_verify_locations(cadata=pki.client_ca.cert_pem.decode())
    ctx.verify_mode = ssl.CERT_OPTIONAL
    sni: list[str | None] = []
    ctx.sni_callback = lambda sock, name, context: sni.append(name)  # type: ignore[assignment]
    for running in _serve(ctx):
        running.state.sni = sni
        yield running


# --- helpers -------------------------------------------------------------------------------------


def make_transport(kind: str, **kwargs: Any) -> Any:
    return Urllib3Transport(**kwargs) if kind == "urllib3" else AiohttpTransport(**kwargs)


def send(
    kind: str,
    method: str,
    url: str,
    *,
    timeout: float = WAIT,
    transport: dict[str, Any] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """One request through a fresh client of ``kind``; the response is read before it closes."""
    if kind == "urllib3":
        with httpx.Client(transport=Urllib3Transport(**(transport or {})), timeout=timeout) as c:
            return c.request(method, url, **kwargs)

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(
            transport=AiohttpTransport(**(transport or {})), timeout=timeout
        ) as c:
            return await c.request(method, url, **kwargs)

    return asyncio.run(go())


def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    no_proxy_env(monkeypatch)


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    sleeps: list[float] = []

    def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def fake_async_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    monkeypatch.setattr(kubeset._sync.rest, "_sleep", fake_sleep)
    monkeypatch.setattr(kubeset._async.rest, "_sleep", fake_async_sleep)
    return sleeps


def refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- request and response mapping ------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_request_and_response_are_mapped(kind: str, server: Running) -> None:
    response = send(
        kind,
        "POST",
        f"{server.url}/echo?status=201&q=a%2Fb",
        content=b'{"a": 1}',
        headers=[
            ("Content-Type", "application/json"),
            ("X-Multi", "1"),
            ("X-Multi", "2"),
            ("Impersonate-Group", "g1"),
            ("Impersonate-Group", "g2"),
        ],
    )
    assert response.status_code == 201
    assert response.reason_phrase == "Created"
    assert response.http_version == "HTTP/1.1"
    assert response.headers.get_list("X-Rep") == ["a", "b"]
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {
        "method": "POST",
        "target": "/echo?status=201&q=a%2Fb",
        "body": '{"a": 1}',
    }
    [seen] = server.state.seen
    assert seen.header("X-Multi") == ["1", "2"]
    assert seen.header("Impersonate-Group") == ["g1", "g2"]
    assert seen.header("Content-Length") == ["8"]
    assert seen.header("User-Agent") == [f"python-httpx/{httpx.__version__}"]
    assert seen.header("Host") == [f"127.0.0.1:{server.port}"]
    # httpx's client sets the headers; the library adds none of its own
    names = {k.lower() for k, _ in seen.headers}
    assert names == {
        "host",
        "accept",
        "accept-encoding",
        "connection",
        "user-agent",
        "content-length",
        "content-type",
        "x-multi",
        "impersonate-group",
    }


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE", "HEAD"])
def test_methods(kind: str, method: str, server: Running) -> None:
    response = send(kind, method, f"{server.url}/echo")
    assert response.status_code == 200
    assert server.state.seen[0].method == method
    if method == "HEAD":
        assert response.content == b""
    else:
        assert response.json()["method"] == method


@pytest.mark.parametrize("kind", KINDS)
def test_compressed_body_is_decoded_by_httpx(kind: str, server: Running) -> None:
    response = send(kind, "GET", f"{server.url}/gzip")
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.text == "hello, gzip"


@pytest.mark.parametrize("kind", KINDS)
def test_small_chunked_body_keeps_its_headers(kind: str, server: Running) -> None:
    response = send(kind, "GET", f"{server.url}/small-chunked")
    assert response.content == b"abc"
    assert response.headers["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in response.headers


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("size", [256, 64 * 1024, 64 * 1024 + 256, 4 * 1024 * 1024])
def test_bodies_of_every_size(kind: str, size: int, server: Running) -> None:
    response = send(kind, "GET", f"{server.url}/big?size={size}")
    assert response.content == bytes(range(256)) * (size // 256)
    assert response.headers["Content-Length"] == str(size)


@pytest.mark.parametrize("kind", KINDS)
def test_redirects_are_not_followed(kind: str, server: Running) -> None:
    response = send(kind, "GET", f"{server.url}/redirect")
    assert response.status_code == 302
    assert response.headers["Location"] == "/echo"
    assert len(server.state.seen) == 1


def test_urllib3_keeps_no_cookies(server: Running) -> None:
    with Urllib3Transport() as transport:
        for _ in range(2):
            response = transport.handle_request(httpx.Request("GET", f"{server.url}/echo"))
            response.read()
            response.close()
    assert response.headers["Set-Cookie"] == "session=1; Path=/"
    assert [s.header("Cookie") for s in server.state.seen] == [[], []]


@pytest.mark.anyio
async def test_aiohttp_keeps_no_cookies(server: Running) -> None:
    transport = AiohttpTransport()
    try:
        for _ in range(2):
            response = await transport.handle_async_request(
                httpx.Request("GET", f"{server.url}/echo")
            )
            await response.aread()
            await response.aclose()
    finally:
        await transport.aclose()
    assert [s.header("Cookie") for s in server.state.seen] == [[], []]


@pytest.mark.parametrize("kind", KINDS)
def test_connections_are_reused(kind: str, server: Running) -> None:
    if kind == "urllib3":
        with httpx.Client(transport=Urllib3Transport(), timeout=WAIT) as c:
            for _ in range(3):
                c.get(f"{server.url}/echo")
    else:

        async def go() -> None:
            async with httpx.AsyncClient(transport=AiohttpTransport(), timeout=WAIT) as c:
                for _ in range(3):
                    await c.get(f"{server.url}/echo")

        asyncio.run(go())
    assert len(server.state.seen) == 3
    assert len({seen.client_port for seen in server.state.seen}) == 1


# --- streaming ---------------------------------------------------------------------------------------


def test_urllib3_streams_lines_as_they_arrive(server: Running) -> None:
    lines = []
    with (
        httpx.Client(transport=Urllib3Transport(), timeout=WAIT) as c,
        c.stream("GET", f"{server.url}/lines") as response,
    ):
        for line in response.iter_lines():
            lines.append(line)
            server.state.release.set()  # the server sends the rest only now
    assert lines == ["line 0", "line 1", "line 2"]
    assert server.state.released_in_time == [True]


@pytest.mark.anyio
async def test_aiohttp_streams_lines_as_they_arrive(server: Running) -> None:
    lines = []
    async with (
        httpx.AsyncClient(transport=AiohttpTransport(), timeout=WAIT) as c,
        c.stream("GET", f"{server.url}/lines") as response,
    ):
        async for line in response.aiter_lines():
            lines.append(line)
            server.state.release.set()
    assert lines == ["line 0", "line 1", "line 2"]
    assert server.state.released_in_time == [True]


def test_urllib3_stream_closed_early_frees_its_connection(server: Running) -> None:
    transport = Urllib3Transport(max_connections=1)
    with httpx.Client(transport=transport, timeout=httpx.Timeout(WAIT, pool=1.0)) as c:
        for _ in range(3):  # with one connection, a leaked one would block the next stream
            with c.stream("GET", f"{server.url}/slow-body") as response:
                assert next(response.iter_lines()) == "first"
        assert c.get(f"{server.url}/echo").status_code == 200


@pytest.mark.anyio
async def test_aiohttp_stream_closed_early_frees_its_connection(server: Running) -> None:
    transport = AiohttpTransport(max_connections=1)
    async with httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(WAIT, pool=1.0)) as c:
        for _ in range(3):
            async with c.stream("GET", f"{server.url}/slow-body") as response:
                async for line in response.aiter_lines():
                    assert line == "first"
                    break
        assert (await c.get(f"{server.url}/echo")).status_code == 200


# --- timeouts and errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_read_timeout_waiting_for_the_response(kind: str, server: Running) -> None:
    start = time.monotonic()
    with pytest.raises(httpx.ReadTimeout) as info:
        send(kind, "GET", f"{server.url}/slow-headers", timeout=0.3)
    assert time.monotonic() - start < WAIT - 1
    assert info.value.request.url.path == "/slow-headers"


def test_urllib3_read_timeout_between_chunks(server: Running) -> None:
    with (
        httpx.Client(transport=Urllib3Transport(), timeout=httpx.Timeout(WAIT, read=0.3)) as c,
        c.stream("GET", f"{server.url}/slow-body") as response,
    ):
        lines = response.iter_lines()
        assert next(lines) == "first"
        with pytest.raises(httpx.ReadTimeout):
            next(lines)


@pytest.mark.anyio
async def test_aiohttp_read_timeout_between_chunks(server: Running) -> None:
    timeout = httpx.Timeout(WAIT, read=0.3)
    async with (
        httpx.AsyncClient(transport=AiohttpTransport(), timeout=timeout) as c,
        c.stream("GET", f"{server.url}/slow-body") as response,
    ):
        lines = response.aiter_lines()
        assert await lines.__anext__() == "first"
        with pytest.raises(httpx.ReadTimeout):
            await lines.__anext__()


@pytest.mark.parametrize("kind", KINDS)
def test_connection_refused_is_a_connect_error(kind: str) -> None:
    with pytest.raises(httpx.ConnectError):
        send(kind, "GET", f"http://127.0.0.1:{refused_port()}/echo")


@pytest.mark.parametrize("kind", KINDS)
def test_server_closing_without_a_response(kind: str, server: Running) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        send(kind, "GET", f"{server.url}/drop")


@pytest.mark.parametrize("kind", KINDS)
def test_body_shorter_than_its_content_length(kind: str, server: Running) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        send(kind, "GET", f"{server.url}/short")


def test_urllib3_pool_timeout(server: Running) -> None:
    timeout = httpx.Timeout(WAIT, pool=0.3)
    with (
        httpx.Client(transport=Urllib3Transport(max_connections=1), timeout=timeout) as c,
        c.stream("GET", f"{server.url}/slow-body"),
        pytest.raises(httpx.PoolTimeout),
    ):
        c.get(f"{server.url}/echo")


@pytest.mark.anyio
async def test_aiohttp_pool_wait_is_bounded(server: Running) -> None:
    # aiohttp counts waiting for a pooled connection as connecting: a ConnectTimeout
    timeout = httpx.Timeout(WAIT, pool=0.3, connect=0.3)
    async with (
        httpx.AsyncClient(transport=AiohttpTransport(max_connections=1), timeout=timeout) as c,
        c.stream("GET", f"{server.url}/slow-body"),
    ):
        with pytest.raises(httpx.ConnectTimeout):
            await c.get(f"{server.url}/echo")


def test_urllib3_is_thread_safe(server: Running) -> None:
    with httpx.Client(transport=Urllib3Transport(max_connections=2), timeout=WAIT) as c:

        def work(i: int) -> int:
            return c.get(f"{server.url}/echo?i={i}").status_code

        with ThreadPoolExecutor(8) as pool:
            assert list(pool.map(work, range(40))) == [200] * 40
    assert len(server.state.seen) == 40


# --- TLS -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_tls_checks_the_server_name(kind: str, tls_server: Running, pki: Pki) -> None:
    verify = {"verify": pki.client_context()}
    # the certificate names SNI_NAME, not 127.0.0.1
    with pytest.raises(httpx.ConnectError, match=r"(?i)certificate"):
        send(kind, "GET", f"{tls_server.url}/echo", transport=verify)
    response = send(
        kind,
        "GET",
        f"{tls_server.url}/echo",
        transport=verify,
        extensions={"sni_hostname": SNI_NAME},
    )
    assert response.status_code == 200
    assert SNI_NAME in tls_server.state.sni


@pytest.mark.parametrize("kind", KINDS)
def test_tls_client_certificate(kind: str, tls_server: Running, pki: Pki) -> None:
    verify = {"verify": pki.client_context(cert=True)}
    send(
        kind,
        "GET",
        f"{tls_server.url}/echo",
        transport=verify,
        extensions={"sni_hostname": SNI_NAME},
    )
    assert tls_server.state.seen[0].peer_cn == "ada"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("how", ["False", "context"])
def test_tls_verification_off_warns_nothing(kind: str, how: str, tls_server: Running) -> None:
    if how == "False":
        verify: ssl.SSLContext | bool = False
    else:
        verify = ssl.create_default_context()
        verify.check_hostname = False
        verify.verify_mode = ssl.CERT_NONE
    for _ in range(2):  # filterwarnings=error: a warning per request would fail this
        response = send(kind, "GET", f"{tls_server.url}/echo", transport={"verify": verify})
        assert response.status_code == 200


# --- proxies ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_http_proxy_with_credentials(kind: str, server: Running) -> None:
    proxy = f"http://us%40er:p%3Ass@127.0.0.1:{server.port}"
    response = send(kind, "GET", "http://kube.example:8080/echo?x=1", transport={"proxy": proxy})
    assert response.status_code == 200
    [seen] = server.state.seen
    assert seen.target == "http://kube.example:8080/echo?x=1"  # absolute form, to the proxy
    assert seen.header("Host") == ["kube.example:8080"]
    assert seen.header("Proxy-Authorization") == ["Basic dXNAZXI6cDpzcw=="]  # us@er:p:ss


@pytest.mark.parametrize("kind", KINDS)
def test_https_through_a_connect_tunnel(
    kind: str, server: Running, tls_server: Running, pki: Pki
) -> None:
    proxy = f"http://user:pw@127.0.0.1:{server.port}"
    response = send(
        kind,
        "GET",
        f"{tls_server.url}/echo",
        transport={"proxy": proxy, "verify": pki.client_context()},
        extensions={"sni_hostname": SNI_NAME},
    )
    assert response.status_code == 200
    assert server.state.connects == [(f"127.0.0.1:{tls_server.port}", ["Basic dXNlcjpwdw=="])]
    assert tls_server.state.seen[0].target == "/echo"


@pytest.mark.parametrize("kind", KINDS)
def test_proxy_refusing_the_tunnel(kind: str, server: Running, tls_server: Running) -> None:
    server.state.refuse_connect = True
    with pytest.raises(httpx.ProxyError):
        send(
            kind,
            "GET",
            f"{tls_server.url}/echo",
            transport={"proxy": f"http://127.0.0.1:{server.port}", "verify": False},
        )


@pytest.mark.parametrize("kind", KINDS)
def test_unreachable_proxy_is_a_connect_error(kind: str) -> None:
    proxy = f"http://127.0.0.1:{refused_port()}"
    with pytest.raises(httpx.ConnectError):
        send(kind, "GET", "http://kube.example/echo", transport={"proxy": proxy})


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("url", ["socks5://127.0.0.1:1080", "socks5h://proxy:1080"])
def test_socks_proxies_are_refused(kind: str, url: str) -> None:
    with pytest.raises(ValueError, match="SOCKS proxy use httpx's own transport"):
        make_transport(kind, proxy=url)


@pytest.mark.parametrize("kind", KINDS)
def test_environment_proxy_and_no_proxy(
    kind: str, server: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", f"127.0.0.1:{server.port}")
    response = send(kind, "GET", "http://kube.example/echo")
    assert response.json()["target"] == "http://kube.example/echo"
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{refused_port()}")
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    assert send(kind, "GET", f"{server.url}/echo").json()["target"] == "/echo"  # direct
    monkeypatch.delenv("NO_PROXY")
    with pytest.raises(httpx.ConnectError):  # through the proxy, which is down
        send(kind, "GET", f"{server.url}/echo")
    assert send(kind, "GET", f"{server.url}/echo", transport={"trust_env": False}).is_success


@pytest.mark.parametrize(
    ("entries", "host", "port", "expected"),
    [
        (["*"], "anything", None, True),
        (["example.com"], "example.com", 443, True),
        (["example.com"], "api.example.com", 443, True),
        (["example.com"], "badexample.com", 443, False),
        ([".example.com"], "api.example.com", 443, True),
        (["*.example.com"], "api.example.com", 443, True),
        ([" example.com:6443 "], "example.com", 6443, True),
        (["example.com:6443"], "example.com", 443, False),
        (["127.0.0.1"], "127.0.0.1", 80, True),
        (["[::1]:443"], "::1", 443, True),
        (["::1"], "::1", 443, True),
        (["", "other"], "example.com", 443, False),
        (["https://example.com"], "example.com", 443, True),
    ],
)
def test_no_proxy_rules(entries: list[str], host: str, port: int | None, expected: bool) -> None:
    assert _no_proxy_matches(entries, host, port) is expected


# --- lifecycle and missing packages --------------------------------------------------------------------


def test_urllib3_close_leaves_no_open_sockets(server: Running) -> None:
    transport = Urllib3Transport()
    client = httpx.Client(transport=transport, timeout=WAIT)
    assert client.get(f"{server.url}/echo").status_code == 200
    with client.stream("GET", f"{server.url}/slow-body") as response:
        next(response.iter_lines())
        client.close()  # with a stream still open
    del client, transport, response
    gc.collect()  # an unclosed socket would warn here (an error under filterwarnings=error)
    with pytest.raises(RuntimeError, match="closed"):
        closed = Urllib3Transport()
        closed.close()
        closed.handle_request(httpx.Request("GET", f"{server.url}/echo"))


@pytest.mark.anyio
async def test_aiohttp_close_leaves_no_open_sockets(server: Running) -> None:
    transport = AiohttpTransport()
    client = httpx.AsyncClient(transport=transport, timeout=WAIT)
    assert (await client.get(f"{server.url}/echo")).status_code == 200
    async with client.stream("GET", f"{server.url}/slow-body") as response:
        async for _ in response.aiter_lines():
            break
        await client.aclose()
    del client, transport, response
    await asyncio.sleep(0)
    gc.collect()
    closed = AiohttpTransport()
    await closed.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await closed.handle_async_request(httpx.Request("GET", f"{server.url}/echo"))


def test_aiohttp_transport_is_bound_to_one_event_loop(server: Running) -> None:
    transport = AiohttpTransport()

    async def get() -> int:
        response = await transport.handle_async_request(httpx.Request("GET", f"{server.url}/echo"))
        await response.aread()
        await response.aclose()
        return response.status_code

    with asyncio.Runner() as runner:
        assert runner.run(get()) == 200
        with pytest.raises(RuntimeError, match="event loop"):
            asyncio.run(get())
        runner.run(transport.aclose())


@pytest.mark.parametrize(
    ("cls", "package"), [(AiohttpTransport, "aiohttp"), (Urllib3Transport, "urllib3")]
)
def test_missing_package_names_the_extra(
    cls: type[Any], package: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, package, None)
    with pytest.raises(ImportError, match=rf"pip install 'kubeset\[{package}\]'"):
        cls()


@pytest.mark.parametrize(
    ("rest", "package"), [(AsyncRESTClient, "aiohttp"), (RESTClient, "urllib3")]
)
def test_fast_config_without_the_package_fails_when_the_client_is_made(
    rest: type[Any], package: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, package, None)
    config = Config(host="https://127.0.0.1:6443", transport="fast")
    with pytest.raises(ImportError, match=rf"needs the {package} package.*kubeset\[{package}\]"):
        rest(config)
    rest(config.copy(transport="httpx"))  # the default transport needs neither
    other = {"aiohttp": httpx.Client, "urllib3": httpx.AsyncClient}[package]
    check_transport(other, config)  # the other side does not need it


# --- the config option ----------------------------------------------------------------------------------


def test_config_transport_is_checked() -> None:
    assert Config(host="https://h").transport == "httpx"
    with pytest.raises(ConfigError, match="transport 'quick' is not one of 'httpx', 'fast'"):
        Config(host="https://h", transport="quick")  # type: ignore[arg-type]
    assert "transport='fast'" in repr(Config(host="https://h", transport="fast"))


def test_client_options_choose_the_transport(pki: Pki) -> None:
    config = Config(host="https://127.0.0.1:6443", ca_data=pki.ca.cert_pem, transport="fast")
    sync = client_options(config)
    assert isinstance(sync["transport"], Urllib3Transport)
    assert "verify" not in sync and "proxy" not in sync
    async_ = client_options(config, asynchronous=True)
    assert isinstance(async_["transport"], AiohttpTransport)
    default = client_options(config.copy(transport="httpx"), asynchronous=True)
    assert "transport" not in default and isinstance(default["verify"], ssl.SSLContext)


def test_client_options_refuse_socks_with_the_fast_transport() -> None:
    config = Config(host="https://h", proxy_url="socks5://user:secret@proxy:1080", transport="fast")
    with pytest.raises(ConfigError, match="SOCKS5 proxy, which transport='fast' does not") as info:
        client_options(config)
    assert "secret" not in str(info.value)


# --- kubeset's REST clients over the fast transport ------------------------------------------------------


def test_rest_client_over_urllib3(server: Running, no_sleep: list[float]) -> None:
    config = Config(host=server.url, transport="fast", qps=0, tls_server_name="ignored-for-http")
    with RESTClient(config) as rest:
        assert isinstance(rest.http._transport, Urllib3Transport)
        # the first connection is dropped without a response: kubeset sends the GET again
        assert rest.request(Request("GET", "/drop-once")).json() == {"kind": "ConfigMap"}
        assert rest.request(Request("GET", "/echo", (("a", "b"),))).json()["target"] == "/echo?a=b"
        with pytest.raises(NotFound, match='configmaps "x" not found'):
            rest.request(Request("GET", "/missing"))
        with rest.stream(Request("GET", "/lines")) as response:
            lines = []
            for line in response.iter_lines():
                lines.append(line)
                server.state.release.set()
        assert lines == ["line 0", "line 1", "line 2"]
    assert server.state.released_in_time == [True]
    assert len(no_sleep) == 1


@pytest.mark.anyio
async def test_async_rest_client_over_aiohttp(server: Running, no_sleep: list[float]) -> None:
    config = Config(host=server.url, transport="fast", qps=0)
    async with AsyncRESTClient(config) as rest:
        assert isinstance(rest.http._transport, AiohttpTransport)
        # aiohttp itself sends an idempotent request again, once, when the connection closes
        # before a response: kubeset's retry is not needed
        assert (await rest.request(Request("GET", "/drop-once"))).json() == {"kind": "ConfigMap"}
        assert [seen.target for seen in server.state.seen] == ["/drop-once", "/drop-once"]
        response = await rest.request(Request("GET", "/echo", (("a", "b"),)))
        assert response.json()["target"] == "/echo?a=b"
        with pytest.raises(NotFound):
            await rest.request(Request("GET", "/missing"))
        async with rest.stream(Request("GET", "/lines")) as streamed:
            lines = []
            async for line in streamed.aiter_lines():
                lines.append(line)
                server.state.release.set()
        assert lines == ["line 0", "line 1", "line 2"]
    assert no_sleep == []


@pytest.mark.parametrize("kind", KINDS)
def test_rest_client_retries_a_refused_get(
    kind: str, no_sleep: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = Config(host=f"http://127.0.0.1:{refused_port()}", transport="fast", max_retries=2)
    attempts: list[str] = []
    if kind == "urllib3":
        original = Urllib3Transport.handle_request

        def counted(self: Urllib3Transport, request: httpx.Request) -> httpx.Response:
            attempts.append(request.method)
            return original(self, request)

        monkeypatch.setattr(Urllib3Transport, "handle_request", counted)
        with RESTClient(config) as rest, pytest.raises(httpx.ConnectError):
            rest.request(Request("GET", "/echo"))
    else:
        original_async = AiohttpTransport.handle_async_request

        async def counted_async(self: AiohttpTransport, request: httpx.Request) -> httpx.Response:
            attempts.append(request.method)
            return await original_async(self, request)

        monkeypatch.setattr(AiohttpTransport, "handle_async_request", counted_async)

        async def go() -> None:
            async with AsyncRESTClient(config) as rest:
                with pytest.raises(httpx.ConnectError):
                    await rest.request(Request("GET", "/echo"))

        asyncio.run(go())
    assert attempts == ["GET"] * 3
    assert no_sleep == [0.2, 0.4]


@pytest.mark.parametrize("kind", KINDS)
def test_rest_client_read_timeout(kind: str, server: Running) -> None:
    config = Config(host=server.url, transport="fast", timeout=0.3, max_retries=0)
    request = Request("GET", "/slow-headers")
    with pytest.raises(httpx.ReadTimeout):
        if kind == "urllib3":
            with RESTClient(config) as rest:
                rest.request(request)
        else:

            async def go() -> None:
                async with AsyncRESTClient(config) as rest:
                    await rest.request(request)

            asyncio.run(go())
