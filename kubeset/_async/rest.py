"""The REST client all resource clients of a clientset share: one httpx client, one rate limiter."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from types import EllipsisType
from typing import TYPE_CHECKING, Any

import httpx

from kubeset._wsio import AsyncWebSocketConn, check_handshake, handshake_headers
from kubeset.config import Config, ConfigError
from kubeset.errors import InvalidRequest, RequestTimeout, error_from_response
from kubeset.httpclient import (
    STREAM_EXTENSION,
    UPGRADE_EXTENSION,
    AsyncLaneTransport,
    AsyncStreamLines,
    Phase,
    check_transport,
    make_http_client,
    make_limiter,
    parse_warnings,
    request_url,
    transport_error,
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
    ``Retry-After``) within ``config.call_timeout``, hands ``Warning`` headers to
    ``config.warning_handler`` and turns error responses into typed
    :class:`~kubeset.errors.ApiError` subclasses and transport failures (connection, timeout,
    invalid request) into :class:`~kubeset.errors.TransportError` subclasses; a response body cut
    short is a :class:`~kubeset.errors.DecodeError`.

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

    def _url(self, http: httpx.AsyncClient, req: Request) -> str:
        """``req``'s full URL, for error messages."""
        try:
            return str(request_url(http.base_url, req))
        except httpx.InvalidURL:
            return f"{str(http.base_url).rstrip('/')}{req.url_path}"

    async def _throttle(self, deadline: float | None, req: Request) -> None:
        """Wait for a token of the rate limiter; give it back when the wait is cut short
        (cancelled, or longer than what is left of the call's time)."""
        limiter = self._limiter
        if limiter is None:
            return
        delay = limiter.reserve()
        if delay <= 0:
            return
        if deadline is not None and time.monotonic() + delay >= deadline:
            limiter.refund()
            raise RequestTimeout(
                f"the rate limiter (qps={self.config.qps:g}) would delay the request by "
                f"{delay:.3g} s, beyond Config.call_timeout",
                request=req.info(),
                url=self._url(self.http, req),
            )
        try:
            await _sleep(delay)
        except BaseException:
            limiter.refund()
            raise

    def _timeout(
        self, http: httpx.AsyncClient, deadline: float | None, stream: bool
    ) -> httpx.Timeout:
        """This attempt's timeouts: ``config.timeout``, capped by what is left of the call's.

        The read timeout of a stream is switched to the idle timeout once the response has
        come (:meth:`stream`), which only httpx's own transport (:class:`AsyncLaneTransport`)
        notices: for other transports a stream's reads wait up to the idle timeout from the
        start.
        """
        per_attempt = self.config.timeout
        if deadline is not None:
            left = max(0.001, deadline - time.monotonic())
            per_attempt = left if per_attempt is None else min(per_attempt, left)
        if stream and not isinstance(getattr(http, "_transport", None), AsyncLaneTransport):
            return httpx.Timeout(per_attempt, read=self.config.watch_idle_timeout)
        return httpx.Timeout(per_attempt)

    def _build(
        self,
        http: httpx.AsyncClient,
        req: Request,
        creds: Credentials,
        *,
        stream: bool,
        timeout: httpx.Timeout,
    ) -> httpx.Request:
        # Per request, so that ``config.user_agent`` also holds for a caller's own ``http_client``.
        headers = [("User-Agent", self.config.user_agent), *self._authenticator.headers(creds)]
        if req.content_type:
            headers.append(("Content-Type", req.content_type))
        if req.accept:
            headers.append(("Accept", req.accept))
        headers.extend(req.headers)
        extensions: dict[str, Any] = {}
        if self.config.tls_server_name:
            extensions["sni_hostname"] = self.config.tls_server_name
        if req.websocket:
            extensions[UPGRADE_EXTENSION] = True
        elif stream:
            extensions[STREAM_EXTENSION] = True
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

    def _retry_delay(
        self, req: Request, response: httpx.Response | None, attempt: int, deadline: float | None
    ) -> float | None:
        """Seconds to wait before the next attempt, or ``None`` to give up: not retryable, out
        of retries, or the wait would outlast the call's time."""
        if response is None:
            delay = retry_delay(req.method, None, None, attempt)
        else:
            delay = retry_delay(req.method, response.status_code, response.headers, attempt)
        if delay is None or attempt >= self.config.max_retries:
            return None
        if deadline is not None and time.monotonic() + delay >= deadline:
            return None
        return delay

    async def _send(
        self, req: Request, *, stream: bool = False
    ) -> tuple[httpx.Response, httpx.AsyncClient]:
        """The response and the httpx client that got it; for a stream, the caller releases
        that client (:meth:`_release`) when the stream is closed.

        Every error is a :class:`~kubeset.errors.KubesetError`; the call, retries and their
        backoff included, takes at most ``config.call_timeout`` seconds.
        """
        call_timeout = self.config.call_timeout
        deadline = None if call_timeout is None else time.monotonic() + call_timeout
        attempt = 0
        reauthenticated = False
        while True:
            await self._throttle(deadline, req)
            creds = await self._auth.credentials()
            http = await self._acquire(creds)
            handed_over = False
            response: httpx.Response | None = None
            phase: Phase = "send"
            try:
                try:
                    request = self._build(
                        http,
                        req,
                        creds,
                        stream=stream,
                        timeout=self._timeout(http, deadline, stream),
                    )
                    response = await http.send(request, stream=True)
                    phase = "body"
                    if response.status_code >= 400 or not (stream or req.websocket):
                        await response.aread()
                except (httpx.HTTPError, httpx.InvalidURL) as exc:
                    if response is not None:
                        await response.aclose()
                    error = transport_error(exc, req.info(), self._url(http, req), phase)
                    if isinstance(error, InvalidRequest):
                        raise error from None  # the httpx error may show a header value
                    delay = self._retry_delay(req, None, attempt, deadline)
                    if delay is None:
                        raise error from exc
                else:
                    self._warn(response)
                    if response.status_code < 400:
                        handed_over = stream or bool(req.websocket)
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
                    await response.aclose()
                    delay = self._retry_delay(req, response, attempt, deadline)
                    if delay is None:
                        raise error_from_response(
                            response.status_code, response.content, req.info(response.status_code)
                        )
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
        self, req: Request, *, read_timeout: float | EllipsisType | None = ...
    ) -> AsyncIterator[httpx.Response]:
        """Send ``req`` and yield the response unread, for watches and log streams: read it
        with :meth:`lines`, which bounds the wait for each line and types the errors.

        ``read_timeout`` bounds each read of the body by httpx's transport (default:
        ``config.watch_idle_timeout``; ``None``: wait as long as the server keeps the stream
        open). Waiting for the response itself is bounded like any request's.
        """
        response, http = await self._send(req, stream=True)
        timeouts = response.request.extensions.get("timeout")
        if isinstance(timeouts, dict):
            idle = self.config.watch_idle_timeout
            timeouts["read"] = idle if isinstance(read_timeout, EllipsisType) else read_timeout
        try:
            yield response
        finally:
            try:
                await response.aclose()
            finally:
                await self._release(http)

    @asynccontextmanager
    async def websocket(self, req: Request) -> AsyncIterator[AsyncWebSocketConn]:
        """Open a WebSocket (``req.websocket``: the subprotocols to offer, preferred first) and
        yield it; closed on exit.

        The upgrade is a request like any other (rate limit, credentials and their refresh
        after a 401, retries, typed errors, ``Config.timeout`` and ``call_timeout``), sent over
        an HTTP/1.1 connection of httpx's own with the client's TLS and proxy settings. A
        response that is not a valid upgrade to one of the offered subprotocols raises
        :class:`~kubeset.errors.ConnectionFailed`.
        """
        key, headers = handshake_headers(req.websocket)
        response, http = await self._send(replace(req, headers=(*req.headers, *headers)))
        try:
            info = req.info(response.status_code)
            url = self._url(http, req)
            chosen = check_handshake(response, key, req.websocket, info, url)
            conn = AsyncWebSocketConn(
                response, info, url, subprotocol=chosen, write_timeout=self.config.timeout
            )
            await conn.start()
            try:
                yield conn
            finally:
                await conn.aclose()
        finally:
            try:
                await response.aclose()
            finally:
                await self._release(http)

    def lines(
        self, response: httpx.Response, req: Request, *, deadline: float | None = None
    ) -> AsyncStreamLines:
        """The lines of a streamed response, each awaited at most ``config.watch_idle_timeout``
        seconds and none past ``deadline`` (``time.monotonic()``); errors are typed
        (:class:`~kubeset.errors.RequestTimeout`, :class:`~kubeset.errors.ConnectionFailed`)."""
        return AsyncStreamLines(
            response,
            req.info(),
            str(response.request.url),
            idle_timeout=self.config.watch_idle_timeout,
            deadline=deadline,
        )
