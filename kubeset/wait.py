"""Waiting and retrying, sync and async: client-go's ``util/retry`` and ``wait`` helpers.

* :func:`retry_on_conflict` (``retry.RetryOnConflict``) calls a get-modify-update function again
  while it raises :class:`~kubeset.errors.Conflict`, sleeping between attempts as a
  :class:`Backoff` says (:data:`DEFAULT_RETRY`: 5 attempts, about 10 ms apart);
  :func:`on_error` (``retry.OnError``) does the same for any errors a predicate accepts.
* :func:`poll_until` (``wait.PollUntilContextTimeout``) calls a condition every ``interval``
  seconds until it is true, or raises :class:`WaitTimeout`.
* :func:`watch_until` (``watch.UntilWithSync``) lists a resource, then watches it from the list's
  resourceVersion, and returns the first event for which a condition holds — objects that already
  satisfy it at the start count (they are seen as ``ADDED`` events of the list).

The async twins are the same functions prefixed ``async_`` (as the classes are prefixed
``Async``): :func:`async_retry_on_conflict`, :func:`async_on_error`, :func:`async_poll_until`
and :func:`async_watch_until`. They take async functions, and their conditions may be plain or
async functions; their timeouts also cut short a call in flight.

A CRD is usable once it is Established::

    def established(event: WatchEvent[CustomResourceDefinition]) -> bool:
        conditions = (event.object.status and event.object.status.conditions) or []
        return any(c.type == "Established" and c.status == "True" for c in conditions)

    watch_until(cs.apiextensions_v1().custom_resource_definitions(), established,
                field_selector=f"metadata.name={name}", timeout=30)
"""

from __future__ import annotations

import asyncio
import inspect
import math
import random
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, Unpack

from kubeset._async.watch import AsyncWatch
from kubeset._sync.watch import Watch
from kubeset.decode import resource_version_of
from kubeset.errors import Conflict, Gone, KubesetError
from kubeset.resource import ListOptions, WatchEvent, WatchOptions

__all__ = [
    "DEFAULT_BACKOFF",
    "DEFAULT_RETRY",
    "AsyncListerWatcher",
    "Backoff",
    "ListerWatcher",
    "WaitTimeout",
    "async_on_error",
    "async_poll_until",
    "async_retry_on_conflict",
    "async_watch_until",
    "on_error",
    "poll_until",
    "retry_on_conflict",
    "watch_until",
]

R = TypeVar("R")
T = TypeVar("T")


class WaitTimeout(KubesetError, TimeoutError):
    """A wait ran out of time before its condition held (also a built-in ``TimeoutError``)."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """How often and how long to retry (client-go's ``wait.Backoff``).

    ``steps`` attempts in all; before each retry the delay is ``duration`` seconds at first, then
    multiplied by ``factor`` each time (capped at ``cap`` when set), and lengthened by a random
    ``0 … jitter`` fraction of itself.
    """

    duration: float
    factor: float = 1.0
    jitter: float = 0.0
    steps: int = 1
    cap: float | None = None

    def __post_init__(self) -> None:
        if self.steps < 1:
            raise ValueError("Backoff.steps must be at least 1 (the first attempt)")

    def delays(self) -> Iterator[float]:
        """The ``steps - 1`` sleeps between attempts."""
        duration = self.duration
        for _ in range(self.steps - 1):
            delay = duration
            if self.jitter > 0:
                delay += random.random() * self.jitter * delay
            yield delay
            if self.factor:
                duration *= self.factor
                if self.cap is not None:
                    duration = min(duration, self.cap)


#: client-go's ``retry.DefaultRetry``: for conflicts, which a fresh read usually resolves.
DEFAULT_RETRY = Backoff(duration=0.01, factor=1.0, jitter=0.1, steps=5)
#: client-go's ``retry.DefaultBackoff``: for errors that take longer to clear (10 ms … 1.25 s).
DEFAULT_BACKOFF = Backoff(duration=0.01, factor=5.0, jitter=0.1, steps=4)


def _is_conflict(err: Exception) -> bool:
    return isinstance(err, Conflict)


# --- retrying -----------------------------------------------------------------------------------


def on_error(backoff: Backoff, retriable: Callable[[Exception], bool], fn: Callable[[], R]) -> R:
    """Call ``fn`` and return its result; while it raises an error ``retriable`` accepts, sleep
    and call it again, ``backoff.steps`` attempts in all, then re-raise the last error. Other
    errors propagate at once."""
    delays = backoff.delays()
    while True:
        try:
            return fn()
        except Exception as err:
            if not retriable(err):
                raise
            delay = next(delays, None)
            if delay is None:
                raise
        time.sleep(delay)


def retry_on_conflict(fn: Callable[[], R], backoff: Backoff = DEFAULT_RETRY) -> R:
    """Call ``fn`` again while it raises :class:`~kubeset.errors.Conflict` (a stale
    resourceVersion), up to ``backoff.steps`` attempts; return its result or re-raise the last
    Conflict. ``fn`` must read the object afresh each time::

        def bump() -> ConfigMap:
            cm = cms.get("settings")
            cm.data = {**(cm.data or {}), "replicas": "3"}
            return cms.update(cm)

        retry_on_conflict(bump)
    """
    return on_error(backoff, _is_conflict, fn)


async def async_on_error(
    backoff: Backoff, retriable: Callable[[Exception], bool], fn: Callable[[], Awaitable[R]]
) -> R:
    """:func:`on_error` with an async ``fn``, sleeping with ``asyncio.sleep``."""
    delays = backoff.delays()
    while True:
        try:
            return await fn()
        except Exception as err:
            if not retriable(err):
                raise
            delay = next(delays, None)
            if delay is None:
                raise
        await asyncio.sleep(delay)


async def async_retry_on_conflict(
    fn: Callable[[], Awaitable[R]], backoff: Backoff = DEFAULT_RETRY
) -> R:
    """:func:`retry_on_conflict` with an async ``fn``."""
    return await async_on_error(backoff, _is_conflict, fn)


# --- polling ------------------------------------------------------------------------------------


def _check_times(interval: float, timeout: float) -> None:
    if interval <= 0:
        raise ValueError("interval must be positive")
    if timeout < 0:
        raise ValueError("timeout must not be negative")


def poll_until(
    condition: Callable[[], bool], *, interval: float, timeout: float, immediate: bool = True
) -> None:
    """Call ``condition`` every ``interval`` seconds until it returns true; raise
    :class:`WaitTimeout` when ``timeout`` seconds pass first. With ``immediate`` (the default)
    the first call is at once, else after one interval. Errors of ``condition`` propagate."""
    _check_times(interval, timeout)
    deadline = time.monotonic() + timeout
    wait = not immediate
    while True:
        if wait:
            remaining = deadline - time.monotonic()
            if remaining > 0:
                time.sleep(min(interval, remaining))
            if time.monotonic() >= deadline:
                raise WaitTimeout(f"condition not met within {timeout:g} s")
        wait = True
        if condition():
            return


async def _call(fn: Callable[..., bool | Awaitable[bool]], *args: Any) -> bool:
    result = fn(*args)
    if inspect.isawaitable(result):
        return bool(await result)
    return bool(result)


async def async_poll_until(
    condition: Callable[[], bool | Awaitable[bool]],
    *,
    interval: float,
    timeout: float,
    immediate: bool = True,
) -> None:
    """:func:`poll_until` with a plain or async ``condition``; the timeout also cancels a call
    of it still running."""
    _check_times(interval, timeout)
    cm = asyncio.timeout(timeout)
    try:
        async with cm:
            if not immediate:
                await asyncio.sleep(interval)
            while not await _call(condition):
                await asyncio.sleep(interval)
    except TimeoutError as err:
        if cm.expired():
            raise WaitTimeout(f"condition not met within {timeout:g} s") from err
        raise


# --- watching -----------------------------------------------------------------------------------


class ListerWatcher(Protocol[T]):
    """What :func:`watch_until` needs of a resource client: ``list`` and ``watch`` (every typed
    resource client, and the dynamic client's resources)."""

    def list(self, **options: Unpack[ListOptions]) -> Any: ...

    def watch(self, **options: Unpack[WatchOptions]) -> Watch[T]: ...


class AsyncListerWatcher(Protocol[T]):
    """:class:`ListerWatcher` of the async clients."""

    def list(self, **options: Unpack[ListOptions]) -> Awaitable[Any]: ...

    def watch(self, **options: Unpack[WatchOptions]) -> AsyncWatch[T]: ...


def _items(listed: Any) -> list[Any]:
    """The items of a typed list or of a dynamic client's list (a dict)."""
    items = listed.get("items") if isinstance(listed, Mapping) else getattr(listed, "items", None)
    return list(items or [])


def _timeout_error(timeout: float) -> WaitTimeout:
    return WaitTimeout(f"no event met the condition within {timeout:g} s")


def _selectors(label_selector: str | None, field_selector: str | None) -> dict[str, str]:
    out = {}
    if label_selector is not None:
        out["label_selector"] = label_selector
    if field_selector is not None:
        out["field_selector"] = field_selector
    return out


def watch_until(
    client: ListerWatcher[T],
    condition: Callable[[WatchEvent[T]], bool],
    *,
    timeout: float,
    label_selector: str | None = None,
    field_selector: str | None = None,
) -> WatchEvent[T]:
    """The first event of ``client``'s objects for which ``condition`` is true.

    Lists first (each object is offered to ``condition`` as an ``ADDED`` event, so an object
    already in the wanted state counts), then watches from the list's resourceVersion; a watch
    the server ends is resumed, and one whose resourceVersion has expired (410 Gone) starts over
    from a fresh list. ``BOOKMARK`` events are not offered; ``DELETED`` ones are. Raises
    :class:`WaitTimeout` after ``timeout`` seconds — the server is asked to end the watch then
    (``timeoutSeconds``), so a quiet watch returns within about a second of it. The selectors
    narrow both the list and the watch (``field_selector="metadata.name=foo"`` for one object).
    """
    deadline = time.monotonic() + timeout
    selectors: Any = _selectors(label_selector, field_selector)
    version: str | None = None
    while True:
        if version is None:
            listed = client.list(**selectors)
            version = resource_version_of(listed)
            for obj in _items(listed):
                event = WatchEvent("ADDED", obj)
                if condition(event):
                    return event
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _timeout_error(timeout)
        try:
            with client.watch(
                resource_version=version,
                timeout_seconds=max(1, math.ceil(remaining)),
                allow_watch_bookmarks=True,
                **selectors,
            ) as watch:
                for event in watch:
                    version = resource_version_of(event.object) or version
                    if event.type != "BOOKMARK" and condition(event):
                        return event
                    if time.monotonic() >= deadline:
                        raise _timeout_error(timeout)
        except Gone:
            version = None  # compacted: list again


async def async_watch_until(
    client: AsyncListerWatcher[T],
    condition: Callable[[WatchEvent[T]], bool | Awaitable[bool]],
    *,
    timeout: float,
    label_selector: str | None = None,
    field_selector: str | None = None,
) -> WatchEvent[T]:
    """:func:`watch_until` for the async clients; ``condition`` may be plain or async, and the
    timeout cuts the wait (and a request in flight) short exactly."""
    selectors: Any = _selectors(label_selector, field_selector)
    deadline = time.monotonic() + timeout
    cm = asyncio.timeout(timeout)
    try:
        async with cm:
            version: str | None = None
            while True:
                if version is None:
                    listed = await client.list(**selectors)
                    version = resource_version_of(listed)
                    for obj in _items(listed):
                        event = WatchEvent("ADDED", obj)
                        if await _call(condition, event):
                            return event
                remaining = max(1, math.ceil(deadline - time.monotonic()))
                try:
                    async with client.watch(
                        resource_version=version,
                        timeout_seconds=remaining,
                        allow_watch_bookmarks=True,
                        **selectors,
                    ) as watch:
                        async for event in watch:
                            version = resource_version_of(event.object) or version
                            if event.type != "BOOKMARK" and await _call(condition, event):
                                return event
                except Gone:
                    version = None  # compacted: list again
    except TimeoutError as err:
        if cm.expired():
            raise _timeout_error(timeout) from err
        raise
