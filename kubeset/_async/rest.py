"""The REST client all resource clients of a clientset share: one httpx client, one rate limiter."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from kubeset.config import Config
from kubeset.errors import error_from_response
from kubeset.request import Request
from kubeset.transport import (
    AuthHeaders,
    client_options,
    make_limiter,
    parse_warnings,
    retry_delay,
)

__all__ = ["AsyncRESTClient"]


class AsyncRESTClient:
    """Sends :class:`~kubeset.request.Request` objects to one API server.

    Applies the token-bucket rate limit, authentication headers, retries of throttled or failed
    reads (honouring ``Retry-After``), hands ``Warning`` headers to ``config.warning_handler`` and
    turns error responses into typed :class:`~kubeset.errors.ApiError` subclasses.

    Pass ``http_client`` to use your own ``httpx.AsyncClient`` (its base URL, TLS and transport are
    then yours); otherwise one is made from the config and closed by :meth:`aclose`.
    """

    def __init__(self, config: Config, *, http_client: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self._owns_http = http_client is None
        self.http = (
            http_client if http_client is not None else httpx.AsyncClient(**client_options(config))
        )
        self._limiter = make_limiter(config)
        self._auth = AuthHeaders(config)

    async def __aenter__(self) -> AsyncRESTClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the httpx client, if this REST client made it."""
        if self._owns_http:
            await self.http.aclose()

    async def _throttle(self) -> None:
        if self._limiter is not None:
            delay = self._limiter.reserve()
            if delay > 0:
                await asyncio.sleep(delay)

    def _build(self, req: Request, *, stream: bool, read_timeout: float | None) -> httpx.Request:
        # Per request, so that ``config.user_agent`` also holds for a caller's own ``http_client``.
        headers = {"User-Agent": self.config.user_agent, **self._auth.headers()}
        if req.content_type:
            headers["Content-Type"] = req.content_type
        extensions: dict[str, Any] = {}
        if self.config.tls_server_name:
            extensions["sni_hostname"] = self.config.tls_server_name
        timeout: Any = httpx.USE_CLIENT_DEFAULT
        if stream:
            timeout = httpx.Timeout(self.config.timeout, read=read_timeout)
        return self.http.build_request(
            req.method,
            req.path,
            params=req.params,
            content=req.body,
            headers=headers,
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
    ) -> httpx.Response:
        attempt = 0
        while True:
            await self._throttle()
            try:
                response = await self.http.send(
                    self._build(req, stream=stream, read_timeout=read_timeout), stream=stream
                )
            except httpx.TransportError:
                delay = retry_delay(req.method, None, None, attempt)
                if delay is None or attempt >= self.config.max_retries:
                    raise
            else:
                self._warn(response)
                if response.status_code < 400:
                    return response
                if response.status_code == 401:
                    self._auth.invalidate()
                delay = retry_delay(req.method, response.status_code, response.headers, attempt)
                if delay is None or attempt >= self.config.max_retries:
                    body = await response.aread()
                    await response.aclose()
                    raise error_from_response(
                        response.status_code, body, req.info(response.status_code)
                    )
                await response.aclose()
            attempt += 1
            await asyncio.sleep(delay)

    async def request(self, req: Request) -> httpx.Response:
        """Send ``req`` and read the whole response; raises a typed error on 4xx/5xx."""
        return await self._send(req)

    @asynccontextmanager
    async def stream(
        self, req: Request, *, read_timeout: float | None = None
    ) -> AsyncIterator[httpx.Response]:
        """Send ``req`` and yield the response unread, for watches and log streams.

        ``read_timeout`` bounds the wait for each chunk (``None``: wait as long as the server
        keeps the stream open).
        """
        response = await self._send(req, stream=True, read_timeout=read_timeout)
        try:
            yield response
        finally:
            await response.aclose()
