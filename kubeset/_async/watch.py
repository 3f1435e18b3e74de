"""Watch streams: an async context manager and iterator of typed events."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from typing import Generic, TypeVar

import httpx

from kubeset._async.rest import AsyncRESTClient
from kubeset.decode import resource_version_of
from kubeset.errors import RequestInfo
from kubeset.request import Request
from kubeset.resource import WatchEvent

__all__ = ["AsyncLineStream", "AsyncWatch"]

T = TypeVar("T")

Decoder = Callable[[str, RequestInfo], WatchEvent[T]]


class AsyncLineStream:
    """A streamed response read line by line; opened on first use, closed on exit or at the end."""

    def __init__(
        self, rest: AsyncRESTClient, request: Request, *, read_timeout: float | None = None
    ) -> None:
        self._rest = rest
        self.request = request
        self._read_timeout = read_timeout
        self._stack: AsyncExitStack | None = None
        self._response: httpx.Response | None = None
        self.closed = False

    async def __aenter__(self) -> AsyncLineStream:
        await self._open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _open(self) -> httpx.Response:
        if self.closed:
            raise RuntimeError("this stream is closed")
        if self._response is None:
            stack = AsyncExitStack()
            self._response = await stack.enter_async_context(
                self._rest.stream(self.request, read_timeout=self._read_timeout)
            )
            self._stack = stack
        return self._response

    async def aclose(self) -> None:
        """Close the stream (idempotent)."""
        self.closed = True
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.aclose()

    async def lines(self) -> AsyncIterator[str]:
        """The response's non-empty lines, until the server ends the stream."""
        response = await self._open()
        try:
            async for line in response.aiter_lines():
                if line:
                    yield line
        finally:
            await self.aclose()


class AsyncWatch(Generic[T]):
    """A watch: ``async with pods.watch() as w: async for event in w: ...``.

    Nothing is sent until the first iteration (or ``async with``). ``resource_version`` is the
    resourceVersion of the last event seen — pass it to a new watch to resume where this one
    stopped. An ``ERROR`` event is raised as a typed error; 410 Gone as
    :class:`~kubeset.errors.Gone`, after which a fresh list is needed.
    """

    def __init__(
        self,
        rest: AsyncRESTClient,
        request: Request,
        decode: Decoder[T],
        *,
        resource_version: str | None = None,
    ) -> None:
        self._stream = AsyncLineStream(rest, request)
        self._decode = decode
        self.resource_version = resource_version

    async def __aenter__(self) -> AsyncWatch[T]:
        await self._stream._open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop watching and close the connection."""
        await self._stream.aclose()

    def __aiter__(self) -> AsyncIterator[WatchEvent[T]]:
        return self._events()

    async def _events(self) -> AsyncIterator[WatchEvent[T]]:
        info = self._stream.request.info(200)
        async for line in self._stream.lines():
            event = self._decode(line, info)
            version = resource_version_of(event.object)
            if version:
                self.resource_version = version
            yield event
