"""Faster HTTP transports for httpx: aiohttp under ``httpx.AsyncClient``, urllib3 under
``httpx.Client``.

kubeset's REST clients speak httpx; much of the client CPU of a small request is spent below
httpx's client, in httpcore, most of it with asyncio. These transports keep httpx's client layer
(URLs, headers, timeouts, response decoding, ``iter_lines``) and send the request through aiohttp or
urllib3 instead. They are what
``Config(transport="fast")`` selects; they can also be given to any httpx client::

    httpx.AsyncClient(base_url=..., transport=AiohttpTransport(verify=ssl_context))
    httpx.Client(base_url=..., transport=Urllib3Transport(verify=ssl_context))

Both need an extra: ``pip install 'kubeset[aiohttp]'`` / ``'kubeset[urllib3]'``; the packages are
imported when a transport is made, never by ``import kubeset``.

What both do as httpx's own transport does:

- HTTP/1.1, connection pooling (``max_connections`` per host, waiting for a free connection up to
  the request's ``pool`` timeout), no redirects followed, no cookies kept (httpx's client does
  both), the body passed on undecoded (httpx undoes ``Content-Encoding``), repeated request and
  response headers kept in order.
- Response bodies are streamed: a watch or a followed log is read as the server sends it. A small
  body is handed over whole instead, when it has already arrived with the headers (aiohttp) or
  has a ``Content-Length`` of at most 64 KiB (urllib3, which reads it at once).
- Timeouts from the request's ``timeout`` extension: ``connect`` and ``read`` (per read, not for
  the whole body), ``pool``. ``write`` is not enforced separately: urllib3 applies the connect
  timeout to sending, aiohttp none (request bodies are sent in one go).
- The ``sni_hostname`` extension (what kubeset sends for ``tls-server-name``): the name sent in TLS
  SNI and checked against the server's certificate.
- Errors are httpx's: ``ConnectError`` (refused, DNS, TLS handshake and certificate failures),
  ``ConnectTimeout``, ``ReadTimeout``, ``PoolTimeout``, ``ReadError`` (reset),
  ``RemoteProtocolError`` (the server closed the connection early or sent a malformed response),
  ``ProxyError`` (the proxy refused the tunnel), so that retry logic written for httpx works
  unchanged.
- Proxies: ``proxy="http://[user:password@]host:port"`` (or ``https://``): plain-HTTP requests go
  through it, HTTPS ones are tunnelled with ``CONNECT``; credentials in the URL are sent as
  ``Proxy-Authorization``. With ``trust_env`` (the default, as in httpx) and no ``proxy``,
  ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` and ``NO_PROXY`` are read once, when the transport
  is made.

Differences: aiohttp sends an idempotent request (``GET``, ``HEAD``, ``PUT``, ``DELETE`` …) once
more by itself when the connection closes before any response (it does not check a pooled
connection before reusing it); aiohttp checks an ``https://`` proxy's certificate with the same
TLS settings as the server's. An aiohttp transport is bound to the event loop of its first request.

Not supported: HTTP/2, SOCKS proxies (``ValueError``; httpx's own transport with
``kubeset[socks]`` has them), a client certificate other than the one in the ``ssl.SSLContext``.
"""

from __future__ import annotations

import asyncio
import base64
import http.client
import importlib.util
import ssl
import threading
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    import aiohttp
    import urllib3
    from urllib3.connectionpool import HTTPConnectionPool

    from kubeset.httpclient import Upgrades

__all__ = ["AiohttpTransport", "Urllib3Transport"]

#: Bytes asked for per read of a response body (less is returned as soon as it arrives).
READ_SIZE = 64 * 1024
#: The longest response header line accepted (aiohttp's default is 8 KiB; h11's limit is larger).
MAX_HEADER_SIZE = 64 * 1024
#: Headers httpx's client always sets: the libraries must not add their own defaults.
_SKIP_AUTO_HEADERS = ("Accept", "Accept-Encoding", "Content-Type", "User-Agent")


def _check_options(package: str, transport: str, max_connections: int) -> None:
    """Fail when a transport is made, not on its first request: a missing package (naming the
    extra that installs it) or a pool that could never hand out a connection."""
    if importlib.util.find_spec(package) is None:
        raise ImportError(
            f"{transport} needs the {package} package, which is not installed: "
            f"pip install 'kubeset[{package}]' (or use Config(transport='httpx'))"
        )
    if max_connections < 1:
        raise ValueError("max_connections must be at least 1")


def _upgrades(verify: ssl.SSLContext | bool, proxy: str | httpx.URL | None, limit: int) -> Upgrades:
    """The HTTP/1.1 httpx transport WebSocket upgrades go through (same TLS and proxy)."""
    from kubeset.httpclient import Upgrades

    return Upgrades(
        {"verify": verify, "proxy": proxy, "limits": httpx.Limits(max_connections=limit)}
    )


def _timeouts(request: httpx.Request) -> Mapping[str, float | None]:
    timeout = request.extensions.get("timeout")
    return timeout if isinstance(timeout, Mapping) else {}


def _sni(request: httpx.Request) -> str | None:
    sni = request.extensions.get("sni_hostname")
    if isinstance(sni, bytes):
        sni = sni.decode("ascii")
    return sni if isinstance(sni, str) and sni and request.url.scheme == "https" else None


def _header_pairs(request: httpx.Request) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]


def _message(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


# --- proxies --------------------------------------------------------------------------------------


class _Proxy:
    """A proxy URL without its credentials, and the ``Proxy-Authorization`` they make."""

    def __init__(self, url: str | httpx.URL) -> None:
        text = str(url)
        if "://" not in text:
            text = "http://" + text
        parts = urllib.parse.urlsplit(text)
        if parts.scheme not in ("http", "https"):
            raise ValueError(
                f"proxy scheme {parts.scheme!r} is not supported by the aiohttp and urllib3 "
                "transports (http and https are); for a SOCKS proxy use httpx's own transport "
                "(Config(transport='httpx'), pip install 'kubeset[socks]')"
            )
        if not parts.hostname:
            raise ValueError("the proxy URL has no host")
        host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        netloc = host if parts.port is None else f"{host}:{parts.port}"
        self.url = f"{parts.scheme}://{netloc}"
        self.authorization: str | None = None
        if parts.username is not None or parts.password is not None:
            user = urllib.parse.unquote(parts.username or "")
            password = urllib.parse.unquote(parts.password or "")
            token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
            self.authorization = f"Basic {token}"

    def headers(self) -> dict[str, str]:
        return {} if self.authorization is None else {"Proxy-Authorization": self.authorization}


def _no_proxy_matches(entries: list[str], host: str, port: int | None) -> bool:
    """curl's ``NO_PROXY`` rules, as httpx applies them: ``*``, a host and its subdomains,
    optionally with a port."""
    host = host.lower().strip("[]")
    for raw in entries:
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        if "://" in entry:
            entry = entry.split("://", 1)[1]
        entry_port: int | None = None
        if entry.startswith("["):  # [::1]:443
            name, _, rest = entry[1:].partition("]")
            if rest.startswith(":") and rest[1:].isdigit():
                entry_port = int(rest[1:])
            entry = name
        elif entry.count(":") == 1:
            name, _, maybe_port = entry.partition(":")
            if maybe_port.isdigit():
                entry, entry_port = name, int(maybe_port)
        entry = entry.lstrip("*").lstrip(".")
        if entry_port is not None and entry_port != port:
            continue
        if host == entry or host.endswith("." + entry):
            return True
    return False


class _Proxies:
    """Which proxy a URL goes through: the one given, else (``trust_env``) the environment's."""

    def __init__(self, proxy: str | httpx.URL | None, trust_env: bool) -> None:
        self._fixed = _Proxy(proxy) if proxy is not None else None
        self._by_scheme: dict[str, str] = {}
        self._no_proxy: list[str] = []
        self._env: dict[str, _Proxy | None] = {}
        if self._fixed is None and trust_env:
            found = urllib.request.getproxies()
            for scheme in ("http", "https", "all"):
                if found.get(scheme):
                    self._by_scheme[scheme] = found[scheme]
            self._no_proxy = found.get("no", "").split(",")

    def for_url(self, url: httpx.URL) -> _Proxy | None:
        if self._fixed is not None or not self._by_scheme:
            return self._fixed
        if _no_proxy_matches(self._no_proxy, url.host, url.port):
            return None
        raw = self._by_scheme.get(url.scheme) or self._by_scheme.get("all")
        if raw is None:
            return None
        if raw not in self._env:
            self._env[raw] = _Proxy(raw)
        return self._env[raw]


# --- aiohttp --------------------------------------------------------------------------------------


def _aiohttp_error(exc: BaseException, request: httpx.Request) -> httpx.TransportError:
    import aiohttp

    message = _message(exc)
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(message, request=request)
    if isinstance(exc, (aiohttp.ServerTimeoutError, asyncio.TimeoutError)):
        return httpx.ReadTimeout(message, request=request)
    if isinstance(exc, aiohttp.ClientHttpProxyError):
        return httpx.ProxyError(message, request=request)
    if isinstance(exc, aiohttp.ClientConnectorError):  # refused, DNS, TLS, the proxy unreachable
        return httpx.ConnectError(message, request=request)
    if isinstance(exc, (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError)):
        return httpx.UnsupportedProtocol(message, request=request)
    if isinstance(
        exc,
        (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, aiohttp.ClientResponseError),
    ):
        return httpx.RemoteProtocolError(message, request=request)
    if isinstance(exc, (aiohttp.ClientConnectionError, OSError)):
        return httpx.ReadError(message, request=request)
    return httpx.TransportError(message, request=request)


class _AiohttpStream(httpx.AsyncByteStream):
    """A response body read as it arrives; closing it gives the connection back to the pool (or
    closes it, when the body was not read to the end)."""

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        import aiohttp

        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except (aiohttp.ClientError, OSError) as exc:  # OSError includes TimeoutError
            raise _aiohttp_error(exc, self._request) from exc

    async def aclose(self) -> None:
        self._response.release()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An ``httpx.AsyncClient`` transport that sends requests through one
    ``aiohttp.ClientSession``.

    ``verify``: an ``ssl.SSLContext`` (CA, client certificate, hostname checking: used as is),
    ``True`` for aiohttp's default verification, ``False`` for none. ``proxy``: an ``http://`` or
    ``https://`` proxy; ``trust_env``: without ``proxy``, use the environment's proxy settings.
    ``max_connections``: connections per host (requests beyond it wait for one, up to the pool
    timeout).

    The session is made on the first request, in the running event loop, and bound to it: use a
    transport (an ``httpx.AsyncClient``) in one event loop only. :meth:`aclose` closes the session
    and its connections.
    """

    def __init__(
        self,
        *,
        verify: ssl.SSLContext | bool = True,
        proxy: str | httpx.URL | None = None,
        trust_env: bool = True,
        max_connections: int = 100,
    ) -> None:
        _check_options("aiohttp", "AiohttpTransport", max_connections)
        self._verify = verify
        self._proxies = _Proxies(proxy, trust_env)
        self._upgrades = _upgrades(verify, proxy, max_connections)
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False

    def _get_session(self) -> aiohttp.ClientSession:
        import aiohttp

        loop = asyncio.get_running_loop()
        session = self._session
        if session is not None:
            if self._loop is not loop:
                raise RuntimeError(
                    "AiohttpTransport is bound to the event loop of its first request: make a "
                    "new client for each event loop"
                )
            return session
        if self._closed:
            raise RuntimeError("this transport is closed")
        connector = aiohttp.TCPConnector(
            ssl=self._verify,
            limit=self._max_connections,
            limit_per_host=self._max_connections,
        )
        session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            trust_env=False,
            skip_auto_headers=_SKIP_AUTO_HEADERS,
            timeout=aiohttp.ClientTimeout(total=None),
            max_line_size=MAX_HEADER_SIZE,
            max_field_size=MAX_HEADER_SIZE,
        )
        self._session, self._loop = session, loop
        return session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._upgrades.wanted(request):  # WebSockets: through httpx's own HTTP/1.1
            return await self._upgrades.asynchronous().handle_async_request(request)
        import aiohttp
        import yarl
        from multidict import CIMultiDict

        session = self._get_session()
        timeouts = _timeouts(request)
        connect, pool = timeouts.get("connect"), timeouts.get("pool")
        timeout = aiohttp.ClientTimeout(
            total=None,
            # aiohttp's ``connect`` covers waiting for a pooled connection and making a new one
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=timeouts.get("read"),
        )
        headers: CIMultiDict[str] = CIMultiDict(_header_pairs(request))
        proxy = self._proxies.for_url(request.url)
        proxy_headers = None
        if proxy is not None:
            if request.url.scheme == "https":
                proxy_headers = proxy.headers()  # sent with CONNECT
            else:
                headers.update(proxy.headers())
        body = await request.aread()
        try:
            response = await session.request(
                request.method,
                yarl.URL(str(request.url), encoded=True),
                data=body or None,
                headers=headers,
                allow_redirects=False,
                timeout=timeout,
                proxy=proxy.url if proxy is not None else None,
                proxy_headers=proxy_headers,
                server_hostname=_sni(request),
            )
        except (aiohttp.ClientError, OSError) as exc:  # OSError includes TimeoutError
            raise _aiohttp_error(exc, request) from exc
        stream: httpx.AsyncByteStream
        if response.content.is_eof():
            # The whole body has arrived with the headers (a small response): hand it over as
            # it is, the connection back in the pool, rather than through a stream.
            try:
                stream = httpx.ByteStream(response.content.read_nowait())
            except (aiohttp.ClientError, OSError) as exc:
                raise _aiohttp_error(exc, request) from exc
            finally:
                response.release()
        else:
            stream = _AiohttpStream(response, request)
        version = response.version
        return httpx.Response(
            response.status,
            headers=list(response.raw_headers),
            stream=stream,
            extensions={
                "http_version": (
                    f"HTTP/{version.major}.{version.minor}".encode() if version else b"HTTP/1.1"
                ),
                "reason_phrase": (response.reason or "").encode("latin-1", "replace"),
            },
        )

    async def aclose(self) -> None:
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()
        await self._upgrades.aclose()


# --- urllib3 --------------------------------------------------------------------------------------


def _urllib3_error(
    exc: BaseException, request: httpx.Request, *, reading: bool = False
) -> httpx.TransportError:
    from urllib3 import exceptions

    message = _message(exc)
    if isinstance(exc, exceptions.ProxyError):
        original = exc.original_error
        if isinstance(original, exceptions.NewConnectionError | exceptions.ConnectTimeoutError):
            exc = original  # the proxy could not be reached: as for a server
        else:
            return httpx.ProxyError(message, request=request)
    if isinstance(exc, exceptions.EmptyPoolError):
        return httpx.PoolTimeout(message, request=request)
    if isinstance(exc, exceptions.NewConnectionError):  # a ConnectTimeoutError subclass
        return httpx.ConnectError(message, request=request)
    if isinstance(exc, exceptions.ConnectTimeoutError):
        return httpx.ConnectTimeout(message, request=request)
    if isinstance(exc, exceptions.TimeoutError | TimeoutError):
        return httpx.ReadTimeout(message, request=request)
    if isinstance(exc, exceptions.SSLError):
        if reading:
            return httpx.ReadError(message, request=request)
        return httpx.ConnectError(message, request=request)
    if isinstance(exc, exceptions.ProtocolError):
        cause = exc.args[1] if len(exc.args) > 1 else None
        if isinstance(cause, http.client.RemoteDisconnected):  # a ConnectionResetError too
            return httpx.RemoteProtocolError(message, request=request)
        if isinstance(cause, ConnectionResetError):
            return httpx.ReadError(message, request=request)
        if isinstance(cause, BrokenPipeError):
            return httpx.WriteError(message, request=request)
        return httpx.RemoteProtocolError(message, request=request)
    if isinstance(exc, exceptions.LocationValueError):
        return httpx.UnsupportedProtocol(message, request=request)
    if isinstance(exc, OSError):
        if reading:
            return httpx.ReadError(message, request=request)
        return httpx.ConnectError(message, request=request)
    return httpx.TransportError(message, request=request)


class _Urllib3Stream(httpx.SyncByteStream):
    """A response body read as it arrives; closing it gives the connection back to the pool (or
    closes it, when the body was not read to the end)."""

    def __init__(self, response: urllib3.BaseHTTPResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        from urllib3.exceptions import HTTPError

        response = self._response
        try:
            while True:
                chunk = response.read1(READ_SIZE, decode_content=False)
                if not chunk:
                    return
                yield chunk
                if getattr(response, "length_remaining", None) == 0:
                    return  # all of a Content-Length body: no read to find the end
        except (HTTPError, OSError) as exc:
            raise _urllib3_error(exc, self._request, reading=True) from exc

    def close(self) -> None:
        # A body read to the end has already given its connection back; an unfinished one is
        # closed (what remains of it cannot be reused) and its pool slot freed.
        self._response.close()
        self._response.release_conn()


def _unverified_pool_class() -> type[HTTPConnectionPool]:
    """An HTTPS pool that does not warn about each unverified connection: kubeset warns once
    (``InsecureTLSWarning``) when a client is made with TLS verification off."""
    from urllib3.connectionpool import HTTPSConnectionPool

    class UnverifiedHTTPSConnectionPool(HTTPSConnectionPool):
        def _validate_conn(self, conn: Any) -> None:
            if conn.is_closed:
                conn.connect()

    return UnverifiedHTTPSConnectionPool


class Urllib3Transport(httpx.BaseTransport):
    """An ``httpx.Client`` transport that sends requests through a ``urllib3.PoolManager`` (a
    ``ProxyManager`` for a proxy).

    ``verify``: an ``ssl.SSLContext`` (CA, client certificate, hostname checking: used as is),
    ``True`` for urllib3's default verification, ``False`` for none. ``proxy``: an ``http://`` or
    ``https://`` proxy; ``trust_env``: without ``proxy``, use the environment's proxy settings.
    ``max_connections``: connections per host (requests beyond it wait for one, up to the pool
    timeout). Thread-safe, like ``httpx.Client``. :meth:`close` closes every pooled connection.
    """

    def __init__(
        self,
        *,
        verify: ssl.SSLContext | bool = True,
        proxy: str | httpx.URL | None = None,
        trust_env: bool = True,
        max_connections: int = 100,
    ) -> None:
        _check_options("urllib3", "Urllib3Transport", max_connections)
        self._verify = verify
        self._proxies = _Proxies(proxy, trust_env)
        self._upgrades = _upgrades(verify, proxy, max_connections)
        self._max_connections = max_connections
        self._managers: dict[str | None, urllib3.PoolManager] = {}
        self._pools: dict[tuple[str | None, str, str, int | None, str | None], Any] = {}
        self._timeouts: dict[tuple[float | None, float | None], urllib3.Timeout] = {}
        self._lock = threading.Lock()
        self._closed = False

    def _manager(self, proxy: _Proxy | None) -> urllib3.PoolManager:
        key = None if proxy is None else proxy.url
        manager = self._managers.get(key)
        if manager is not None:
            return manager
        import urllib3

        with self._lock:
            if self._closed:
                raise RuntimeError("this transport is closed")
            manager = self._managers.get(key)
            if manager is not None:
                return manager
            options: dict[str, Any] = {
                "maxsize": self._max_connections,
                "block": True,
                "retries": False,
            }
            verify = self._verify
            if isinstance(verify, ssl.SSLContext):
                options["ssl_context"] = verify
            elif not verify:
                options["cert_reqs"] = "CERT_NONE"
            if proxy is None:
                manager = urllib3.PoolManager(**options)
            else:
                manager = urllib3.ProxyManager(
                    proxy.url, proxy_headers=proxy.headers() or None, **options
                )
            if not verify or (
                isinstance(verify, ssl.SSLContext) and verify.verify_mode == ssl.CERT_NONE
            ):
                classes = dict(manager.pool_classes_by_scheme)
                classes["https"] = _unverified_pool_class()
                manager.pool_classes_by_scheme = classes
            self._managers[key] = manager
            return manager

    def _pool(self, proxy: _Proxy | None, url: httpx.URL, sni: str | None) -> HTTPConnectionPool:
        """The connection pool for ``url``, remembered (finding it through the PoolManager parses
        the URL and builds a pool key on every request)."""
        key = (None if proxy is None else proxy.url, url.scheme, url.host, url.port, sni)
        pool = self._pools.get(key)
        if pool is None or pool.pool is None:  # new, or closed by the manager (too many pools)
            host = f"[{url.host}]" if ":" in url.host else url.host
            pool = self._manager(proxy).connection_from_host(
                host, url.port, url.scheme, pool_kwargs={"server_hostname": sni} if sni else None
            )
            self._pools[key] = pool
        return pool

    def _timeout(self, connect: float | None, read: float | None) -> urllib3.Timeout:
        timeout = self._timeouts.get((connect, read))
        if timeout is None:
            import urllib3

            timeout = self._timeouts[connect, read] = urllib3.Timeout(connect=connect, read=read)
        return timeout

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._upgrades.wanted(request):  # WebSockets: through httpx's own HTTP/1.1
            return self._upgrades.sync().handle_request(request)
        import urllib3
        from urllib3.exceptions import HTTPError

        url = request.url
        proxy = self._proxies.for_url(url)
        timeouts = _timeouts(request)
        pairs = _header_pairs(request)
        headers: Mapping[str, str]
        if len({name.lower() for name, _ in pairs}) == len(pairs):
            headers = dict(pairs)
        else:  # a repeated header (Impersonate-Group …)
            headers = urllib3.HTTPHeaderDict(pairs)
        target = url.raw_path.decode("ascii")
        if proxy is not None and url.scheme == "http":
            target = str(url)  # absolute form, to the proxy itself
            headers = urllib3.HTTPHeaderDict(headers)
            headers.update(proxy.headers())
        body = request.read()
        try:
            pool = self._pool(proxy, url, _sni(request))
            response = pool.urlopen(
                request.method,
                target,
                body=body or None,
                headers=headers,
                retries=False,
                redirect=False,
                assert_same_host=False,
                timeout=self._timeout(timeouts.get("connect"), timeouts.get("read")),
                pool_timeout=timeouts.get("pool"),  # type: ignore[arg-type]  # a float works
                preload_content=False,
                decode_content=False,
                release_conn=False,
            )
        except (HTTPError, OSError) as exc:
            raise _urllib3_error(exc, request) from exc
        stream: httpx.SyncByteStream
        length = getattr(response, "length_remaining", None)
        if length is not None and length <= READ_SIZE:
            # A small body of known length: read it now (the connection goes back to the pool)
            # rather than through a stream.
            try:
                stream = httpx.ByteStream(response.read(decode_content=False))
            except (HTTPError, OSError) as exc:
                response.close()
                response.release_conn()
                raise _urllib3_error(exc, request, reading=True) from exc
        else:
            stream = _Urllib3Stream(response, request)
        http_version = b"HTTP/1.0" if response.version == 10 else b"HTTP/1.1"
        return httpx.Response(
            response.status,
            headers=[
                (k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()
            ],
            stream=stream,
            extensions={
                "http_version": http_version,
                "reason_phrase": (response.reason or "").encode("latin-1", "replace"),
            },
        )

    def close(self) -> None:
        self._upgrades.close()
        with self._lock:
            self._closed = True
            managers, self._managers = list(self._managers.values()), {}
            pools, self._pools = list(self._pools.values()), {}
        for manager in managers:
            # PoolManager.clear() only forgets its pools (their connections would be closed when
            # the pools are collected): close them now. (It has no __iter__, hence keys().)
            pools.extend(manager.pools.get(key) for key in manager.pools.keys())  # noqa: SIM118
            manager.clear()
        for pool in pools:
            if pool is not None:
                pool.close()
