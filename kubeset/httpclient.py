"""The httpx clients the REST clients send with, made from a :class:`~kubeset.config.Config`:
base URL, headers, timeouts, TLS, proxy and, for ``Config(transport="fast")``, the aiohttp or
urllib3 transport (:mod:`kubeset.transports`); and what the sync and async REST clients share
around them: request URLs, the rate limiter, ``Warning`` header parsing. Retry decisions are in
:mod:`kubeset.retry`, authentication in :mod:`kubeset.auth`."""

from __future__ import annotations

import contextlib
import importlib.util
import re
import socket
import ssl
import sys
import threading
import urllib.parse
import warnings
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import httpx

from kubeset.config import Config, ConfigError, InsecureTLSWarning, redact_url
from kubeset.errors import (
    ConnectionFailed,
    DecodeError,
    InvalidRequest,
    KubesetError,
    RequestInfo,
    RequestTimeout,
    TransportError,
    transport_error_class,
)
from kubeset.ratelimit import TokenBucket

if TYPE_CHECKING:
    import asyncio

    from kubeset.request import Request

__all__ = [
    "STREAM_EXTENSION",
    "STREAMS_PER_HTTP2_CONNECTION",
    "UPGRADE_EXTENSION",
    "AsyncLaneTransport",
    "AsyncStreamLines",
    "LaneTransport",
    "StreamLines",
    "Upgrades",
    "check_transport",
    "client_options",
    "keepalive_socket_options",
    "make_http_client",
    "make_limiter",
    "parse_warnings",
    "remember_missing_sniffio",
    "request_url",
    "transport_error",
    "warn_if_insecure",
]


def _proxy(config: Config) -> str:
    url = config.proxy_url or ""
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in ("http", "https", "socks5"):
        raise ConfigError(
            f"proxy-url {redact_url(url)!r} has unsupported scheme {scheme!r}: "
            "must be http, https, or socks5"
        )
    if scheme == "socks5" and importlib.util.find_spec("socksio") is None:
        raise ConfigError(
            f"proxy-url {redact_url(url)!r} is a SOCKS5 proxy, which needs the socksio package: "
            "pip install 'kubeset[socks]'"
        )
    return url


#: The package each side of ``transport="fast"`` needs, and the extra that installs it.
_FAST_PACKAGES = {False: "urllib3", True: "aiohttp"}

HTTPClient = TypeVar("HTTPClient", httpx.Client, httpx.AsyncClient)


def client_options(
    config: Config,
    *,
    client_cert: tuple[bytes, bytes] | None = None,
    asynchronous: bool = False,
) -> dict[str, Any]:
    """Keyword arguments for ``httpx.Client`` (``httpx.AsyncClient`` with ``asynchronous=True``)
    from a :class:`Config`.

    ``client_cert``: a PEM certificate and key to present when the config has none of its own
    (one an exec plugin returned). With ``config.transport == "fast"`` the options carry a
    ``transport`` (:class:`~kubeset.transports.AiohttpTransport` when ``asynchronous``, else
    :class:`~kubeset.transports.Urllib3Transport`) holding the TLS settings and the proxy;
    ``asynchronous`` makes no difference otherwise.
    """
    headers = {"User-Agent": config.user_agent, "Accept": "application/json"}
    if config.disable_compression:
        headers["Accept-Encoding"] = "identity"
    verify = config.ssl_context(client_cert=client_cert)
    options: dict[str, Any] = {
        "base_url": config.host,
        "headers": headers,
        "timeout": httpx.Timeout(config.timeout),
        "follow_redirects": False,
    }
    if config.transport == "fast":
        options["transport"] = _fast_transport(config, verify, asynchronous=asynchronous)
        return options
    options["verify"] = verify
    if config.proxy_url:
        options["proxy"] = _proxy(config)
    return options


def _fast_transport(
    config: Config, verify: ssl.SSLContext | bool, *, asynchronous: bool
) -> httpx.BaseTransport | httpx.AsyncBaseTransport:
    proxy = None
    if config.proxy_url:
        if urllib.parse.urlsplit(config.proxy_url).scheme == "socks5":
            raise ConfigError(
                f"proxy-url {redact_url(config.proxy_url)!r} is a SOCKS5 proxy, which "
                "transport='fast' does not support: use transport='httpx' "
                "(with pip install 'kubeset[socks]')"
            )
        proxy = _proxy(config)
    from kubeset import transports

    if asynchronous:
        return transports.AiohttpTransport(verify=verify, proxy=proxy)
    return transports.Urllib3Transport(verify=verify, proxy=proxy)


def make_http_client(
    cls: type[HTTPClient], config: Config, *, client_cert: tuple[bytes, bytes] | None = None
) -> HTTPClient:
    """A new ``cls`` (``httpx.Client`` or ``httpx.AsyncClient``) for ``config``
    (:func:`client_options`).

    With ``transport="httpx"`` the client sends through a :class:`LaneTransport` /
    :class:`AsyncLaneTransport`: httpx's own transports, HTTP/2 when the server offers it, TCP
    keepalive, pool limits from the config, separate pools for requests and streams.
    """
    asynchronous = issubclass(cls, httpx.AsyncClient)
    options = client_options(config, client_cert=client_cert, asynchronous=asynchronous)
    if config.transport == "httpx":
        if asynchronous:
            remember_missing_sniffio()
        proxy = options.pop("proxy", None)
        if proxy is None:
            found, proxy = _environment_proxy(config.host)
            if not found:  # httpx's private helpers changed: let the client find proxies
                return cls(**options)
        verify = options.pop("verify")
        lanes = AsyncLaneTransport if asynchronous else LaneTransport
        options["transport"] = lanes(config, verify=verify, proxy=proxy)
    return cls(**options)


def _environment_proxy(host: str) -> tuple[bool, str | None]:
    """The proxy httpx would take from the environment (``HTTPS_PROXY``, ``NO_PROXY`` …) for
    ``host``: ``(True, url or None)``; ``(False, None)`` when that cannot be worked out."""
    try:
        from httpx._utils import URLPattern, get_environment_proxies

        url = httpx.URL(host)
        for pattern, proxy in sorted(
            (URLPattern(key), value) for key, value in get_environment_proxies().items()
        ):
            if pattern.matches(url):
                return True, None if proxy is None else str(proxy)
    except (ImportError, AttributeError, TypeError, ValueError):
        return False, None
    return True, None


def keepalive_socket_options() -> list[tuple[int, int, int]]:
    """``setsockopt`` arguments for TCP keepalive: probe an idle connection after 30 s, every
    10 s, give up after 3 unanswered probes (where the platform has these options), so that a
    vanished peer is noticed in about a minute, even on a silent watch."""
    options = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
    idle = getattr(socket, "TCP_KEEPIDLE", None) or getattr(socket, "TCP_KEEPALIVE", None)
    for option, value in (
        (idle, 30),
        (getattr(socket, "TCP_KEEPINTVL", None), 10),
        (getattr(socket, "TCP_KEEPCNT", None), 3),
    ):
        if option is not None:
            options.append((socket.IPPROTO_TCP, option, value))
    return options


# --- errors ---------------------------------------------------------------------------------------

#: Where an httpx error happened: before the response headers, reading a whole response body,
#: or reading a stream (watch, followed log).
Phase = Literal["send", "body", "stream"]

_TIMEOUT_WHAT = {
    httpx.ConnectTimeout: "timed out connecting",
    httpx.WriteTimeout: "timed out sending the request",
    httpx.PoolTimeout: "timed out waiting for a free connection",
}


def _text(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def transport_error(
    exc: BaseException, request: RequestInfo, url: str, phase: Phase = "send"
) -> KubesetError:
    """The kubeset error to raise for an httpx error (raise it ``from exc``; ``__cause__`` is
    dropped by the caller for :class:`~kubeset.errors.InvalidRequest`, whose cause may show a
    header value)."""
    cls: type[TransportError]
    if isinstance(exc, httpx.TimeoutException):
        what = _TIMEOUT_WHAT.get(type(exc))
        if what is None:
            what = {
                "send": "timed out waiting for the response",
                "body": "timed out reading the response body",
                "stream": "timed out reading the stream",
            }[phase]
        cls, message = RequestTimeout, what
    elif isinstance(exc, httpx.LocalProtocolError):
        cls, message = InvalidRequest, "the request is not valid HTTP (a header value?)"
    elif isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        cls, message = InvalidRequest, f"invalid URL: {_text(exc)}"
    elif isinstance(exc, httpx.DecodingError):
        return DecodeError(f"the response body cannot be decoded: {_text(exc)}", request=request)
    elif isinstance(exc, httpx.ProxyError):
        cls, message = ConnectionFailed, f"proxy error: {_text(exc)}"
    elif isinstance(exc, httpx.ConnectError):
        cls, message = ConnectionFailed, f"cannot connect: {_text(exc)}"
    elif phase == "body":
        return DecodeError(f"the response was cut short: {_text(exc)}", request=request)
    elif phase == "stream":
        cls, message = ConnectionFailed, f"the stream broke: {_text(exc)}"
    else:
        cls, message = ConnectionFailed, f"the connection failed: {_text(exc)}"
    original = type(exc) if isinstance(exc, httpx.HTTPError) else None
    return transport_error_class(cls, original)(message, request=request, url=url)


# --- connection pools -----------------------------------------------------------------------------

#: Streams httpcore runs at once on one HTTP/2 connection (its MAX_CONCURRENT_STREAMS); it opens
#: no second HTTP/2 connection to an origin however many requests wait.
STREAMS_PER_HTTP2_CONNECTION = 100
#: The request extension that marks a stream (watch, followed log): it goes to the stream pools.
STREAM_EXTENSION = "kubeset.stream"
#: The request extension that marks a WebSocket upgrade (exec, attach, port-forward): it goes to
#: an HTTP/1.1 pool of httpx's own (:class:`Upgrades`).
UPGRADE_EXTENSION = "kubeset.upgrade"


class Upgrades:
    """The HTTP/1.1 httpx transport of a kubeset transport's WebSocket upgrades (requests marked
    with :data:`UPGRADE_EXTENSION`), made on first use with the same TLS and proxy settings: an
    upgrade needs httpx's own network stream, which neither HTTP/2 nor the aiohttp and urllib3
    transports give. An upgraded connection never goes back to the pool."""

    def __init__(self, options: dict[str, Any]) -> None:
        self._options = {**options, "http2": False}
        self._lock = threading.Lock()
        self._sync: httpx.HTTPTransport | None = None
        self._async: httpx.AsyncHTTPTransport | None = None

    @staticmethod
    def wanted(request: httpx.Request) -> bool:
        return bool(request.extensions.get(UPGRADE_EXTENSION))

    def sync(self) -> httpx.HTTPTransport:
        with self._lock:
            if self._sync is None:
                self._sync = httpx.HTTPTransport(**self._options)
            return self._sync

    def asynchronous(self) -> httpx.AsyncHTTPTransport:
        with self._lock:
            if self._async is None:
                self._async = httpx.AsyncHTTPTransport(**self._options)
            return self._async

    def close(self) -> None:
        if self._sync is not None:
            self._sync.close()

    async def aclose(self) -> None:
        if self._async is not None:
            await self._async.aclose()


AnyTransport = TypeVar("AnyTransport", httpx.HTTPTransport, httpx.AsyncHTTPTransport)


class _Lane:
    """One httpx transport (one httpcore connection pool) and the requests it carries."""

    __slots__ = ("active", "http2", "transport")

    def __init__(self, transport: Any) -> None:
        self.transport = transport
        self.active = 0
        self.http2: bool | None = None  # unknown until a response says


class _Lanes:
    """The pools of one httpx client: one for requests, as many as needed for streams.

    httpcore puts every request to an origin on one HTTP/2 connection, up to 100 streams at once
    (the rest wait inside the connection); with HTTP/1.1 it opens up to ``max_connections``
    connections, one request each, and queues the rest in a list it re-scans for every request
    added or removed (quadratic in the queue, and a cancelled waiter can be left in it: httpcore
    issue #1093). So requests are let into a pool only as far as it can carry them at once
    (``capacity``); the rest wait in front of it (:class:`AsyncLaneTransport`). Streams, which
    may stay open for ever, get pools of their own, a new one whenever all are full (HTTP/2: up
    to ``max_connections`` pools of one connection each; HTTP/1.1: one pool).
    """

    def __init__(self, config: Config, make: Callable[[], Any]) -> None:
        self._make = make
        self._lock = threading.Lock()
        self.max_connections = config.max_connections
        self.http2 = config.http2 and config.host.startswith("https://") and _has_h2()
        self.unary = _Lane(make())
        self.streams: list[_Lane] = []
        self.closed = False

    def capacity(self, lane: _Lane) -> int:
        if lane.http2:
            return STREAMS_PER_HTTP2_CONNECTION
        if lane.http2 is None and self.http2:
            return min(STREAMS_PER_HTTP2_CONNECTION, self.max_connections)
        return self.max_connections

    def take(self, stream: bool, *, force: bool = False) -> _Lane | None:
        """A lane with room for one more request (counted), or ``None``; ``force``: the least
        busy one even when all are full (the sync client, which waits in httpcore's pool)."""
        with self._lock:
            if self.closed:
                raise RuntimeError("this transport is closed")
            if not stream:
                lane = self.unary
                if lane.active < self.capacity(lane) or force:
                    lane.active += 1
                    return lane
                return None
            for lane in self.streams:
                if lane.active < self.capacity(lane):
                    lane.active += 1
                    return lane
            http1 = not self.http2 or any(lane.http2 is False for lane in self.streams)
            limit = 1 if http1 else self.max_connections
            if len(self.streams) < limit:
                lane = _Lane(self._make())
                self.streams.append(lane)
                lane.active = 1
                return lane
            if force:
                lane = min(self.streams, key=lambda lane: lane.active)
                lane.active += 1
                return lane
            return None

    def give_back(self, lane: _Lane) -> None:
        with self._lock:
            lane.active -= 1

    def saw(self, lane: _Lane, response: httpx.Response) -> bool:
        """Note the protocol a lane's connection speaks; True when its capacity changed."""
        if lane.http2 is not None:
            return False
        http2 = response.extensions.get("http_version") == b"HTTP/2"
        with self._lock:
            before = self.capacity(lane)
            lane.http2 = http2
            return self.capacity(lane) != before

    def close_all(self) -> list[Any]:
        with self._lock:
            self.closed = True
            lanes = [self.unary, *self.streams]
        return [lane.transport for lane in lanes]


def _has_h2() -> bool:
    return importlib.util.find_spec("h2") is not None


def _transport_options(config: Config, verify: ssl.SSLContext | bool, proxy: str | None) -> Any:
    return {
        "verify": verify,
        "http2": config.http2 and _has_h2(),
        "limits": httpx.Limits(
            max_connections=config.max_connections,
            max_keepalive_connections=config.max_keepalive_connections,
        ),
        "proxy": proxy,
        "socket_options": keepalive_socket_options(),
    }


class _AsyncReleasingStream(httpx.AsyncByteStream):
    """A response body that gives its lane back when closed (once)."""

    def __init__(self, inner: Any, release: Callable[[], None]) -> None:
        self._inner = inner
        self._release: Callable[[], None] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()


class _ReleasingStream(httpx.SyncByteStream):
    """A response body that gives its lane back when closed (once)."""

    def __init__(self, inner: Any, release: Callable[[], None]) -> None:
        self._inner = inner
        self._release: Callable[[], None] | None = release

    def __iter__(self) -> Iterator[bytes]:
        yield from self._inner

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()


class AsyncLaneTransport(httpx.AsyncBaseTransport):
    """The ``httpx.AsyncClient`` transport of kubeset's async REST client (see :class:`_Lanes`).

    A request waits in front of the pool, in arrival order, until the pool can carry it at once
    (up to its ``pool`` timeout: ``httpx.PoolTimeout``); a cancelled one just leaves the queue,
    so any number of cancellations leave the pool as it was, and the cost per request stays
    flat however many wait. A stream (marked with the :data:`STREAM_EXTENSION` request
    extension) holds its place until its response is closed.
    """

    def __init__(
        self, config: Config, *, verify: ssl.SSLContext | bool, proxy: str | None = None
    ) -> None:
        options = _transport_options(config, verify, proxy)
        self._lanes = _Lanes(config, lambda: httpx.AsyncHTTPTransport(**options))
        self._upgrades = Upgrades(options)
        self._waiters: dict[bool, deque[asyncio.Future[None]]] = {False: deque(), True: deque()}

    def _wake(self, stream: bool, count: int = 1) -> None:
        """Tell up to ``count`` waiting requests that a place may be free (they try again)."""
        waiters = self._waiters[stream]
        while waiters and count > 0:
            future = waiters.popleft()
            if future.done():
                continue
            if future.get_loop().is_closed():
                continue
            future.set_result(None)
            count -= 1

    def _release(self, lane: _Lane, stream: bool) -> None:
        self._lanes.give_back(lane)
        self._wake(stream)

    async def _admit(self, stream: bool, timeout: float | None) -> _Lane:
        lane = self._lanes.take(stream)
        if lane is not None:
            return lane
        import asyncio

        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        waiters = self._waiters[stream]
        first = True
        while True:
            future: asyncio.Future[None] = loop.create_future()
            if first:
                waiters.append(future)
            else:  # woken but beaten to the free place: keep the place in the queue
                waiters.appendleft(future)
            first = False
            try:
                async with asyncio.timeout_at(deadline):
                    await future
            except BaseException as exc:
                if future.done() and not future.cancelled():
                    self._wake(stream)  # woken for a place this request will not take
                else:
                    future.cancel()
                    with contextlib.suppress(ValueError):
                        waiters.remove(future)
                if isinstance(exc, TimeoutError):
                    raise httpx.PoolTimeout("timed out waiting for a free connection") from None
                raise
            lane = self._lanes.take(stream)
            if lane is not None:
                return lane

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if Upgrades.wanted(request):
            return await self._upgrades.asynchronous().handle_async_request(request)
        stream = bool(request.extensions.get(STREAM_EXTENSION))
        timeouts = request.extensions.get("timeout")
        pool = timeouts.get("pool") if isinstance(timeouts, dict) else None
        lane = await self._admit(stream, pool)
        try:
            response: httpx.Response = await lane.transport.handle_async_request(request)
        except BaseException:
            self._release(lane, stream)
            raise
        if self._lanes.saw(lane, response):
            self._wake(stream, STREAMS_PER_HTTP2_CONNECTION)
        response.stream = _AsyncReleasingStream(
            response.stream, lambda: self._release(lane, stream)
        )
        return response

    async def aclose(self) -> None:
        for transport in self._lanes.close_all():
            await transport.aclose()
        await self._upgrades.aclose()


class LaneTransport(httpx.BaseTransport):
    """The ``httpx.Client`` transport of kubeset's sync REST client (see :class:`_Lanes`):
    separate pools for requests and streams, new stream pools as needed. Requests beyond a
    pool's capacity wait in httpcore's pool (up to the ``pool`` timeout), as threads do."""

    def __init__(
        self, config: Config, *, verify: ssl.SSLContext | bool, proxy: str | None = None
    ) -> None:
        options = _transport_options(config, verify, proxy)
        self._lanes = _Lanes(config, lambda: httpx.HTTPTransport(**options))
        self._upgrades = Upgrades(options)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if Upgrades.wanted(request):
            return self._upgrades.sync().handle_request(request)
        stream = bool(request.extensions.get(STREAM_EXTENSION))
        lane = self._lanes.take(stream, force=True)
        assert lane is not None
        try:
            response: httpx.Response = lane.transport.handle_request(request)
        except BaseException:
            self._lanes.give_back(lane)
            raise
        self._lanes.saw(lane, response)
        response.stream = _ReleasingStream(response.stream, lambda: self._lanes.give_back(lane))
        return response

    def close(self) -> None:
        for transport in self._lanes.close_all():
            transport.close()
        self._upgrades.close()


def remember_missing_sniffio() -> None:
    """Make a failing ``import sniffio`` fail at once, when sniffio is not installed.

    httpcore (the transport under ``httpx.AsyncClient``) asks sniffio which event loop runs each
    time it makes a lock or semaphore, importing it inside the function. Without sniffio (which
    httpx and anyio no longer require) every such call searches ``sys.path`` again for a module
    that is not there: a third of the client CPU of a small async request. ``None`` in
    ``sys.modules`` is Python's record of a module known to be absent; nothing else changes, as
    the import failed anyway.
    """
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


def check_transport(cls: type[httpx.Client] | type[httpx.AsyncClient], config: Config) -> None:
    """Raise ``ImportError`` now, naming the extra to install, when ``config.transport`` needs a
    package that is missing for ``cls`` clients (the httpx client itself is made later)."""
    if config.http2 and config.transport == "httpx" and not _has_h2():
        raise ImportError(
            "http2=True needs the h2 package, which is not installed: "
            "pip install 'kubeset[http2]' (or leave http2=False)"
        )
    if config.transport != "fast":
        return
    package = _FAST_PACKAGES[issubclass(cls, httpx.AsyncClient)]
    if importlib.util.find_spec(package) is None:
        raise ImportError(
            f"transport='fast' needs the {package} package for {cls.__name__} clients, which is "
            f"not installed: pip install 'kubeset[{package}]' (or use transport='httpx')"
        )


def request_url(base_url: httpx.URL, req: Request) -> httpx.URL | str:
    """``req``'s URL below an httpx client's ``base_url``, parsed once.

    The same URL as ``client.build_request(method, req.path, params=req.params)`` gives, without
    httpx joining the path to the base and then merging the query, each step a new parse of the
    whole URL (about a tenth of a small request's client CPU). Without an absolute base (a
    caller's own client) the relative path is returned for httpx to handle as it would.
    """
    if not base_url.is_absolute_url:
        return req.url_path
    return httpx.URL(str(base_url).rstrip("/") + req.url_path)


def warn_if_insecure(config: Config) -> None:
    """Warn (:class:`~kubeset.config.InsecureTLSWarning`) when TLS verification is off."""
    if config.insecure_skip_tls_verify and config.host.startswith("https://"):
        warnings.warn(
            f"insecure-skip-tls-verify is set for {config.host}: the server's certificate is "
            "not verified, and anyone on the path can read and change the traffic",
            InsecureTLSWarning,
            stacklevel=3,
        )


def make_limiter(config: Config) -> TokenBucket | None:
    """The shared token bucket, or ``None`` when ``qps <= 0`` disables rate limiting."""
    return TokenBucket(config.qps, config.burst) if config.qps > 0 else None


_WARNING = re.compile(r'\s*(\d{3})\s+(\S+)\s+"((?:[^"\\]|\\.)*)"')


def parse_warnings(values: list[str]) -> list[str]:
    """The messages of RFC 7234 ``Warning`` headers (``299 - "message"``)."""
    messages = []
    for value in values:
        pos = 0
        while pos < len(value):
            match = _WARNING.match(value, pos)
            if not match:
                break
            messages.append(re.sub(r"\\(.)", r"\1", match.group(3)))
            pos = match.end()
            rest = value[pos:].lstrip()
            if rest.startswith('"'):  # an optional warn-date
                end = rest.find('"', 1)
                rest = rest[end + 1 :] if end > 0 else ""
            rest = rest.lstrip()
            if not rest.startswith(","):
                break
            pos = len(value) - len(rest) + 1
    return messages


# --- streams --------------------------------------------------------------------------------------


class _StreamLinesBase:
    """The lines of a streamed response (watch, followed log), each awaited at most
    ``idle_timeout`` seconds and none past ``deadline`` (``time.monotonic()``); errors typed."""

    def __init__(
        self,
        response: httpx.Response,
        request: RequestInfo,
        url: str,
        *,
        idle_timeout: float | None,
        deadline: float | None,
    ) -> None:
        self._response = response
        self._request = request
        self._url = url
        self._idle = idle_timeout
        self._deadline = deadline

    def _wait(self) -> float | None:
        """How long the next line may take (``None``: no limit)."""
        if self._deadline is None:
            return self._idle
        left = max(0.0, self._deadline - _monotonic())
        return left if self._idle is None else min(self._idle, left)

    def _timed_out(self) -> RequestTimeout:
        if self._deadline is not None and _monotonic() >= self._deadline - 0.05:
            what = "the server did not end the stream after its timeoutSeconds"
        else:
            what = f"no data for {self._idle:g} s (Config.watch_idle_timeout)"
        return RequestTimeout(what, request=self._request, url=self._url)

    def _error(self, exc: BaseException) -> KubesetError:
        if isinstance(exc, httpx.ReadTimeout):
            error: KubesetError = self._timed_out()
            return error
        return transport_error(exc, self._request, self._url, "stream")

    def _set_read_timeout(self) -> None:
        # httpx's own transport reads the request's read timeout as it reads the body.
        timeouts = self._response.request.extensions.get("timeout")
        if isinstance(timeouts, dict):
            timeouts["read"] = self._wait()


def _monotonic() -> float:
    import time

    return time.monotonic()


class AsyncStreamLines(_StreamLinesBase):
    """:class:`_StreamLinesBase` for ``httpx.AsyncClient`` responses: the wait for each line is
    bounded with ``asyncio.timeout`` too, which also holds on a busy HTTP/2 connection (where
    other streams' data restarts each network read's timeout)."""

    def __aiter__(self) -> AsyncIterator[str]:
        return self._lines()

    async def _lines(self) -> AsyncIterator[str]:
        import asyncio

        self._set_read_timeout()
        lines = self._response.aiter_lines().__aiter__()
        while True:
            try:
                async with asyncio.timeout(self._wait()):
                    line = await lines.__anext__()
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise self._timed_out() from None
            except httpx.HTTPError as exc:
                raise self._error(exc) from exc
            yield line


class StreamLines(_StreamLinesBase):
    """:class:`_StreamLinesBase` for ``httpx.Client`` responses: the read timeout of httpx's
    transport bounds each read; the deadline is checked as lines arrive."""

    def __iter__(self) -> Iterator[str]:
        return self._lines()

    def _lines(self) -> Iterator[str]:
        self._set_read_timeout()
        lines = iter(self._response.iter_lines())
        while True:
            try:
                line = next(lines)
            except StopIteration:
                return
            except httpx.HTTPError as exc:
                raise self._error(exc) from exc
            if self._deadline is not None and _monotonic() >= self._deadline:
                raise self._timed_out()
            yield line
