# Generated from kubeset/_async/watch.py by codegen/clientgen/unasync.py. DO NOT EDIT.
"""Watch streams: an async context manager and iterator of typed events."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Generic, TypeVar

import httpx

from kubeset._sync.rest import RESTClient
from kubeset.decode import resource_version_of
from kubeset.errors import RequestInfo
from kubeset.request import Request
from kubeset.resource import WatchEvent

__all__ = ["LineStream", "Watch"]

T = TypeVar("T")

Decoder = Callable[[str, RequestInfo], WatchEvent[T]]


class LineStream:
    """A streamed response read line by line; opened on first use, closed on exit or at the end."""

    def __init__(
        self, rest: RESTClient, request: Request, *, read_timeout: float | None = None
    ) -> None:
        self._rest = rest
        self.request = request
        self._read_timeout = read_timeout
        self._stack: ExitStack | None = None
        self._response: httpx.Response | None = None
        self.closed = False

    def __enter__(self) -> LineStream:
        self._open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _open(self) -> httpx.Response:
        if self.closed:
            raise RuntimeError("this stream is closed")
        if self._response is None:
            stack = ExitStack()
            self._response = stack.enter_context(
                self._rest.stream(self.request, read_timeout=self._read_timeout)
            )
            self._stack = stack
        return self._response

    def close(self) -> None:
        """Close the stream (idempotent)."""
        self.closed = True
        stack, self._stack = self._stack, None
        if stack is not None:
            stack.close()

    def lines(self) -> Iterator[str]:
        """The response's non-empty lines, until the server ends the stream."""
        response = self._open()
        try:
            for line in response.iter_lines():
                if line:
                    yield line
        finally:
            self.close()


class Watch(Generic[T]):
    """A watch: ``with pods.watch() as w: for event in w: ...``.

    Nothing is sent until the first iteration (or ``with``). ``resource_version`` is the
    resourceVersion of the last event seen — pass it to a new watch to resume where this one
    stopped. An ``ERROR`` event is raised as a typed error; 410 Gone as
    :class:`~kubeset.errors.Gone`, after which a fresh list is needed.
    """

    def __init__(
        self,
        rest: RESTClient,
        request: Request,
        decode: Decoder[T],
        *,
        resource_version: str | None = None,
    ) -> None:
        self._stream = LineStream(rest, request)
        self._decode = decode
        self.resource_version = resource_version

    def __enter__(self) -> Watch[T]:
        self._stream._open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop watching and close the connection."""
        self._stream.close()

    def __iter__(self) -> Iterator[WatchEvent[T]]:
        return self._events()

    def _events(self) -> Iterator[WatchEvent[T]]:
        info = self._stream.request.info(200)
        for line in self._stream.lines():
            event = self._decode(line, info)
            version = resource_version_of(event.object)
            if version:
                self.resource_version = version
            yield event
