"""httpx transports that hand every request to a :class:`~kubeset.fake.server.FakeServer`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from kubeset.fake.server import FakeServer

__all__ = ["AsyncFakeTransport", "FakeTransport"]


class FakeTransport(httpx.BaseTransport):
    """For ``httpx.Client``: requests are served in the calling thread."""

    def __init__(self, server: FakeServer) -> None:
        self.server = server

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        return self.server.handle(request)


class AsyncFakeTransport(httpx.AsyncBaseTransport):
    """For ``httpx.AsyncClient``: requests are served on the event loop (the store's lock is
    only held for short, non-blocking sections); watch bodies poll without blocking it."""

    def __init__(self, server: FakeServer) -> None:
        self.server = server

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        return await self.server.handle_async(request)
