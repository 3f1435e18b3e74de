"""The REST client all resource clients of a clientset share: one httpx client, one rate limiter."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import httpx

from kubeset.config import Config, ConfigError
from kubeset.errors import error_from_response
from kubeset.httpclient import (
    check_transport,
    make_http_client,
    make_limiter,
    parse_warnings,
    request_url,
    warn_if_insecure,
)
from kubeset.request import Request
from kubeset.retry import retry_delay

if TYPE_CHECKING:
    from kubeset._async.auth import AsyncAuthRunner
    from kubeset.auth import Authenticator, Credentials

__all__ = ["AsyncRESTClient"]


async def _sleep(seconds: float) -> None:
    import asyncio  # imported where used: programs that never wait do not pay for it

    await asyncio.sleep(seconds)


class AsyncRESTClient:
    """Sends :class:`~kubeset.request.Request` objects to one API server.

    Applies the token-bucket rate limit, authentication (:mod:`kubeset.auth`: tokens, token
    files, exec plugins, OIDC, impersonation; a request refused with 401 is sent once more when
    refreshing gave new credentials), retries of throttled or failed reads (honouring
    ``Retry-After``), hands ``Warning`` headers to ``config.warning_handler`` and turns error
    responses into typed :class:`~kubeset.errors.ApiError` subclasses.

    Pass ``http_client`` to use your own ``httpx.AsyncClient`` (its base URL, TLS and transport are
    then yours, so it cannot take a client certificate from an exec plugin); otherwise one is made
    from the config, with the transport ``config.transport`` names, and closed by :meth:`aclose`.
    When an exec plugin returns a new client certificate, a new httpx client is made for it
    (``self.http``); the previous one is closed once the requests and streams still using it are
    done.
    """

    def __init__(self, config: Config, *, http_client: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self._owns_http = http_client is None
        self._auth_runner: AsyncAuthRunner | None = None  # on first use: kubeset.auth is big
        self._client_cert: tuple[bytes, bytes] | None = None
        self._client_cert_serial = -1  # of the credentials self._client_cert came with
        self._lock = threading.Lock()
        self._busy: dict[httpx.AsyncClient, int] = {}  # requests and streams in flight
        self._retired: list[httpx.AsyncClient] = []  # replaced, to close when no longer busy
        if http_client is None:
            check_transport(httpx.AsyncClient, config)
            warn_if_insecure(config)
        self._http = http_client  # made on first use: TLS setup and httpcore cost ~30 ms
        self._closed = False
        self._limiter = make_limiter(config)

    @property
    def _auth(self) -> AsyncAuthRunner:
        """The credential flow runner (built, and :mod:`kubeset.auth` imported, on first use)."""
        runner = self._auth_runner
        if runner is None:
            from kubeset._async.auth import AsyncAuthRunner
            from kubeset.auth import Authenticator

            runner = self._auth_runner = AsyncAuthRunner(Authenticator(self.config))
        return runner

    @property
    def _authenticator(self) -> Authenticator:
        return self._auth.authenticator

    @property
    def http(self) -> httpx.AsyncClient:
        """The httpx client requests go through (made from the config on first use)."""
        http = self._http
        if http is None:
            with self._lock:
                http = self._http if self._http is not None else self._make_http()
        return http

    def _make_http(self) -> httpx.AsyncClient:
        """Make the httpx client (the caller holds ``self._lock``)."""
        if self._closed:
            raise RuntimeError("this REST client is closed")
        self._http = make_http_client(httpx.AsyncClient, self.config)
        return self._http

    async def __aenter__(self) -> AsyncRESTClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the httpx client(s), if this REST client made them."""
        if self._owns_http:
            with self._lock:
                self._closed = True
                current = [self._http] if self._http is not None else []
                clients, self._retired = [*self._retired, *current], []
            for http in clients:
                await http.aclose()

    async def _acquire(self, creds: Credentials) -> httpx.AsyncClient:
        """The httpx client to send with, marked busy: one that presents the client certificate
        ``creds`` bring (an exec plugin's), made anew when that certificate changed (to a newer
        one: a request still holding older credentials does not switch back)."""
        cert = self._authenticator.client_cert(creds)
        stale = None
        with self._lock:
            if cert != self._client_cert and creds.serial > self._client_cert_serial:
                if not self._owns_http:
                    raise ConfigError(
                        "the exec plugin returned a client certificate, which a caller-provided "
                        "http_client cannot present: let the REST client make its own httpx client"
                    )
                stale = self._http
                self._http = make_http_client(httpx.AsyncClient, self.config, client_cert=cert)
                self._client_cert, self._client_cert_serial = cert, creds.serial
                if stale is not None and self._busy.get(stale):
                    self._retired.append(stale)
                    stale = None
            http = self._http if self._http is not None else self._make_http()
            self._busy[http] = self._busy.get(http, 0) + 1
        if stale is not None:
            await stale.aclose()
        return http

    async def _release(self, http: httpx.AsyncClient) -> None:
        """A request or stream on ``http`` is done; close it if it was replaced and is idle."""
        with self._lock:
            left = self._busy.get(http, 1) - 1
            if left > 0:
                self._busy[http] = left
                return
            self._busy.pop(http, None)
            if http not in self._retired:
                return
            self._retired.remove(http)
        await http.aclose()

    async def _throttle(self) -> None:
        if self._limiter is not None:
            delay = self._limiter.reserve()
            if delay > 0:
                await _sleep(delay)

    def _build(
        self,
        http: httpx.AsyncClient,
        req: Request,
        creds: Credentials,
        *,
        stream: bool,
        read_timeout: float | None,
    ) -> httpx.Request:
        # Per request, so that ``config.user_agent`` also holds for a caller's own ``http_client``.
        headers = [("User-Agent", self.config.user_agent), *self._authenticator.headers(creds)]
        if req.content_type:
            headers.append(("Content-Type", req.content_type))
        if req.accept:
            headers.append(("Accept", req.accept))
        extensions: dict[str, Any] = {}
        if self.config.tls_server_name:
            extensions["sni_hostname"] = self.config.tls_server_name
        timeout: Any = httpx.USE_CLIENT_DEFAULT
        if stream:
            timeout = httpx.Timeout(self.config.timeout, read=read_timeout)
        return http.build_request(
            req.method,
            request_url(http.base_url, req),
            content=req.body,
            headers=httpx.Headers(headers),
            timeout=timeout,
            extensions=extensions,
        )

    def _warn(self, response: httpx.Response) -> None:
        handler = self.config.warning_handler
        values = response.headers.get_list("Warning")
        if handler is not None and values:
            for message in parse_warnings(values):
                handler(message)

    async def _send(
        self, req: Request, *, stream: bool = False, read_timeout: float | None = None
    ) -> tuple[httpx.Response, httpx.AsyncClient]:
        """The response and the httpx client that got it; for a stream, the caller releases
        that client (:meth:`_release`) when the stream is closed."""
        attempt = 0
        reauthenticated = False
        while True:
            await self._throttle()
            creds = await self._auth.credentials()
            http = await self._acquire(creds)
            handed_over = False
            try:
                try:
                    response = await http.send(
                        self._build(http, req, creds, stream=stream, read_timeout=read_timeout),
                        stream=stream,
                    )
                except httpx.TransportError:
                    delay = retry_delay(req.method, None, None, attempt)
                    if delay is None or attempt >= self.config.max_retries:
                        raise
                else:
                    self._warn(response)
                    if response.status_code < 400:
                        handed_over = stream
                        return response, http
                    if response.status_code == 401 and not reauthenticated:
                        try:
                            retry = await self._auth.unauthorized(creds)
                        except BaseException:
                            await response.aclose()
                            raise
                        if retry:
                            # Refused before the server acted: safe to repeat, writes included.
                            reauthenticated = True
                            await response.aclose()
                            continue
                    delay = retry_delay(req.method, response.status_code, response.headers, attempt)
                    if delay is None or attempt >= self.config.max_retries:
                        body = await response.aread()
                        await response.aclose()
                        raise error_from_response(
                            response.status_code, body, req.info(response.status_code)
                        )
                    await response.aclose()
            finally:
                if not handed_over:
                    await self._release(http)
            attempt += 1
            await _sleep(delay)

    async def request(self, req: Request) -> httpx.Response:
        """Send ``req`` and read the whole response; raises a typed error on 4xx/5xx."""
        response, _ = await self._send(req)
        return response

    @asynccontextmanager
    async def stream(
        self, req: Request, *, read_timeout: float | None = None
    ) -> AsyncIterator[httpx.Response]:
        """Send ``req`` and yield the response unread, for watches and log streams.

        ``read_timeout`` bounds the wait for each chunk (``None``: wait as long as the server
        keeps the stream open).
        """
        response, http = await self._send(req, stream=True, read_timeout=read_timeout)
        try:
            yield response
        finally:
            try:
                await response.aclose()
            finally:
                await self._release(http)
