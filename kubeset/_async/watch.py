"""Watch streams: an async context manager and iterator of typed events."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import replace
from typing import Generic, TypeVar

import httpx

from kubeset._async.rest import AsyncRESTClient
from kubeset.decode import resource_version_of
from kubeset.errors import ApiError, RequestInfo
from kubeset.request import Request
from kubeset.resource import WatchEvent

__all__ = ["AsyncLineStream", "AsyncWatch"]

T = TypeVar("T")

Decoder = Callable[[str, RequestInfo], WatchEvent[T]]

#: How long after its ``timeoutSeconds`` a watch the server has not ended is given up.
TIMEOUT_MARGIN = 10.0


def _timeout_seconds(request: Request) -> float | None:
    for name, value in request.params:
        if name == "timeoutSeconds":
            try:
                return float(value)
            except ValueError:
                return None
    return None


class AsyncLineStream:
    """A streamed response read line by line; opened on first use, closed on exit or at the end.

    Reading raises :class:`~kubeset.errors.RequestTimeout` when the stream stays silent for
    ``Config.watch_idle_timeout`` seconds, or (a request with ``timeoutSeconds``) when the
    server has not ended it :data:`TIMEOUT_MARGIN` seconds after that;
    :class:`~kubeset.errors.ConnectionFailed` when the connection breaks.
    """

    def __init__(self, rest: AsyncRESTClient, request: Request) -> None:
        self._rest = rest
        self.request = request
        self._stack: AsyncExitStack | None = None
        self._response: httpx.Response | None = None
        self._deadline: float | None = None
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
            seconds = _timeout_seconds(self.request)
            if seconds is not None:
                self._deadline = time.monotonic() + seconds + TIMEOUT_MARGIN
            stack = AsyncExitStack()
            self._response = await stack.enter_async_context(self._rest.stream(self.request))
            self._stack = stack
        return self._response

    async def aclose(self) -> None:
        """Close the stream (idempotent)."""
        self.closed = True
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.aclose()

    def interrupt(self) -> None:
        """Make a reader blocked on this stream in another thread return (with
        :class:`~kubeset.errors.ConnectionFailed`), so that it closes the stream itself: the
        socket of an HTTP/1.1 stream is shut down (closing the stream from another thread while
        it is being read is not safe). Streams multiplexed on an HTTP/2 connection are left
        alone: they end at their next event or idle timeout. Safe from any thread."""
        response = self._response
        if response is None or response.http_version != "HTTP/1.1":
            return
        network = response.extensions.get("network_stream")
        sock = network.get_extra_info("socket") if network is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    async def lines(self) -> AsyncIterator[str]:
        """The response's non-empty lines, until the server ends the stream."""
        response = await self._open()
        try:
            async for line in self._rest.lines(response, self.request, deadline=self._deadline):
                if line:
                    yield line
        finally:
            await self.aclose()


class AsyncWatch(Generic[T]):
    """A watch: ``async with pods.watch() as w: async for event in w: ...``.

    Nothing is sent until the first iteration (or ``async with``). ``resource_version`` is the
    resourceVersion of the last event seen — pass it to a new watch to resume where this one
    stopped. An ``ERROR`` event is raised as a typed error; 410 Gone as
    :class:`~kubeset.errors.Gone`, after which a fresh list is needed. A silent or broken
    stream raises as :class:`AsyncLineStream` says.
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

    def interrupt(self) -> None:
        """From another thread: make the reader of this watch return (see
        :meth:`AsyncLineStream.interrupt`)."""
        self._stream.interrupt()

    def __aiter__(self) -> AsyncIterator[WatchEvent[T]]:
        return self._events()

    async def _events(self) -> AsyncIterator[WatchEvent[T]]:
        info = self._stream.request.info()
        async for line in self._stream.lines():
            try:
                event = self._decode(line, info)
            except ApiError as exc:  # an ERROR event: the error is its Status, not the response
                raise _event_error(exc) from None
            version = resource_version_of(event.object)
            if version:
                self.resource_version = version
            yield event


def _event_error(exc: ApiError) -> ApiError:
    """``exc`` (from a watch ERROR event's Status) with its request marked as such."""
    request = exc.request
    if request is not None:
        request = replace(request, status_code=None, context="watch ERROR event")
    return type(exc)(
        exc.message,
        code=exc.code,
        reason=exc.reason,
        details=exc.details,
        status=exc.status,
        request=request,
    )
