"""Watch streams of the fake API server: retained history, watchers, streamed httpx bodies.

A :class:`Watcher` turns the server's event history into the lines of one watch response
(``{"type":…,"object":…}``, ``type`` first), applying the namespace and selectors the way the
real watch cache does (an object leaving the selection is sent as ``DELETED``, one entering it as
``ADDED``), with bookmarks, ``timeoutSeconds`` and a ``410`` ERROR event when the requested
version is older than the retained history. :class:`SyncWatchStream` blocks on the server's
condition variable (every wait bounded); :class:`AsyncWatchStream` polls every few
milliseconds, never blocking the event loop.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from kubeset.fake.status import expired

if TYPE_CHECKING:
    from kubeset.fake.server import FakeServer

__all__ = ["AsyncWatchStream", "Event", "NetworkStream", "SyncWatchStream", "Watcher", "dumps"]

#: How often an async watch checks for news (seconds).
ASYNC_POLL = 0.005
#: The longest a sync watch blocks before checking its deadlines again (seconds).
SYNC_WAIT = 0.25

INITIAL_EVENTS_END = "k8s.io/initial-events-end"


def dumps(obj: Any) -> bytes:
    """Compact JSON, as the server writes it."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def event_line(kind: str, obj: Mapping[str, Any]) -> bytes:
    """One watch event line: ``type`` first, then ``object`` (readers rely on the order)."""
    return b'{"type":"' + kind.encode() + b'","object":' + dumps(obj) + b"}\n"


@dataclass(frozen=True, slots=True)
class Event:
    """One change in the store's history (``obj``: the object after it, or its final state for
    ``DELETED``; ``prev``: the object before it)."""

    rv: int
    type: str
    resource: tuple[str, str]
    namespace: str
    obj: dict[str, Any]
    prev: dict[str, Any] | None


class Watcher:
    """The state of one watch response; :meth:`poll` gives the lines ready now."""

    def __init__(
        self,
        server: FakeServer,
        *,
        resource: tuple[str, str],
        namespace: str,
        matches: Callable[[Mapping[str, Any]], bool],
        render: Callable[[dict[str, Any]], dict[str, Any]],
        bookmark: Callable[[int, bool], dict[str, Any]],
        cursor: int,
        initial: list[bytes],
        error: dict[str, Any] | None,
        timeout: float | None,
        bookmarks: bool,
        bookmark_interval: float,
    ) -> None:
        self._server = server
        self._resource = resource
        self._namespace = namespace
        self._matches = matches
        self._render = render
        self._bookmark = bookmark
        self.cursor = cursor
        self._pending = list(initial)
        self._error = error
        now = time.monotonic()
        self.deadline = now + timeout if timeout is not None else None
        self._bookmarks = bookmarks
        self._interval = bookmark_interval
        self.next_bookmark = now + bookmark_interval if bookmarks else None
        self.closed = False
        self.interrupted = False

    def _in_scope(self, event: Event) -> bool:
        return event.resource == self._resource and (
            not self._namespace or event.namespace == self._namespace
        )

    def poll(self) -> list[bytes] | None:
        """The lines to send now (``[]``: none yet); ``None`` when the stream is over."""
        if self.closed:
            return None
        lines, self._pending = self._pending, []
        if self._error is not None:
            lines.append(event_line("ERROR", self._error))
            self.closed = True
            return lines
        now = time.monotonic()
        if self.deadline is not None and now >= self.deadline:
            self.closed = True
            return lines or None
        events, oldest = self._server._events_after(self.cursor)
        if events is None:  # fell behind the retained history
            status = expired(f"too old resource version: {self.cursor} ({oldest})").status
            lines.append(event_line("ERROR", status))
            self.closed = True
            return lines
        for event in events:
            self.cursor = event.rv
            if not self._in_scope(event):
                continue
            line = self._translate(event)
            if line is not None:
                lines.append(line)
        if events:
            self.cursor = max(self.cursor, events[-1].rv)
        self.cursor = max(self.cursor, self._server._current_rv())
        if self.next_bookmark is not None and now >= self.next_bookmark:
            lines.append(event_line("BOOKMARK", self._bookmark(self.cursor, False)))
            self.next_bookmark = now + self._interval
        return lines

    def _translate(self, event: Event) -> bytes | None:
        now_in = self._matches(event.obj)
        if event.type == "ADDED":
            return event_line("ADDED", self._render(event.obj)) if now_in else None
        was_in = event.prev is not None and self._matches(event.prev)
        if event.type == "DELETED":
            return event_line("DELETED", self._render(event.obj)) if was_in else None
        if now_in and was_in:
            return event_line("MODIFIED", self._render(event.obj))
        if now_in:
            return event_line("ADDED", self._render(event.obj))
        if was_in and event.prev is not None:
            # the previous state, stamped with this event's version, as the watch cache sends
            prev = dict(event.prev)
            prev["metadata"] = {**prev.get("metadata", {}), "resourceVersion": str(event.rv)}
            return event_line("DELETED", self._render(prev))
        return None

    def wait_hint(self) -> float:
        """How long nothing can happen by the clock (bookmark, deadline), capped."""
        now = time.monotonic()
        wait = SYNC_WAIT
        for moment in (self.deadline, self.next_bookmark):
            if moment is not None:
                wait = min(wait, max(0.0, moment - now))
        return wait

    def close(self) -> None:
        """End the stream (the reader returns at its next check)."""
        self.closed = True
        self._server._watch_closed(self)


class _Socket:
    """What ``interrupt()`` of a kubeset watch shuts down: ends the stream with a read error."""

    def __init__(self, watcher: Watcher) -> None:
        self._watcher = watcher

    def shutdown(self, how: int) -> None:
        self._watcher.interrupted = True
        self._watcher.close()


class NetworkStream:
    """The ``network_stream`` response extension, so that kubeset's ``interrupt()`` works."""

    def __init__(self, watcher: Watcher) -> None:
        self._socket = _Socket(watcher)

    def get_extra_info(self, info: str) -> Any:
        return self._socket if info == "socket" else None


def _read_timeout(request: httpx.Request) -> float | None:
    timeouts = request.extensions.get("timeout")
    if isinstance(timeouts, Mapping):
        value = timeouts.get("read")
        return float(value) if isinstance(value, int | float) else None
    return None


class SyncWatchStream(httpx.SyncByteStream):
    """A watch body for sync clients: blocks on the server's condition, each wait bounded."""

    def __init__(self, watcher: Watcher, request: httpx.Request, cond: threading.Condition):
        self._watcher = watcher
        self._request = request
        self._cond = cond

    def __iter__(self) -> Iterator[bytes]:
        watcher = self._watcher
        last = time.monotonic()
        while True:
            with self._cond:
                lines = watcher.poll()
                if lines == []:
                    read_timeout = _read_timeout(self._request)
                    wait = watcher.wait_hint()
                    if read_timeout is not None:
                        wait = min(wait, max(0.0, last + read_timeout - time.monotonic()))
                    self._cond.wait(wait)
            if watcher.interrupted:
                raise httpx.ReadError("the watch was interrupted", request=self._request)
            if lines is None:
                return
            if lines:
                last = time.monotonic()
                yield b"".join(lines)
                continue
            read_timeout = _read_timeout(self._request)
            if read_timeout is not None and time.monotonic() - last >= read_timeout:
                raise httpx.ReadTimeout(
                    "no watch event within the read timeout", request=self._request
                )

    def close(self) -> None:
        self._watcher.close()


class AsyncWatchStream(httpx.AsyncByteStream):
    """A watch body for async clients: polls every :data:`ASYNC_POLL` seconds."""

    def __init__(self, watcher: Watcher, request: httpx.Request, lock: threading.Condition):
        self._watcher = watcher
        self._request = request
        self._lock = lock

    async def __aiter__(self) -> AsyncIterator[bytes]:
        import anyio

        watcher = self._watcher
        last = time.monotonic()
        while True:
            with self._lock:
                lines = watcher.poll()
            if watcher.interrupted:
                raise httpx.ReadError("the watch was interrupted", request=self._request)
            if lines is None:
                return
            if lines:
                last = time.monotonic()
                yield b"".join(lines)
                continue
            read_timeout = _read_timeout(self._request)
            if read_timeout is not None and time.monotonic() - last >= read_timeout:
                raise httpx.ReadTimeout(
                    "no watch event within the read timeout", request=self._request
                )
            await anyio.sleep(min(ASYNC_POLL, watcher.wait_hint()))

    async def aclose(self) -> None:
        self._watcher.close()
