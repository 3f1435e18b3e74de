"""Work queues for controllers, sync and async (client-go's ``util/workqueue``).

A controller's event handlers :meth:`~WorkQueue.add` keys (``"namespace/name"``) and a few workers
take them with :meth:`~WorkQueue.get`, reconcile, then call :meth:`~WorkQueue.done`::

    queue: WorkQueue[str] = WorkQueue()

    def worker() -> None:
        for key in queue:                  # ends once the queue is shut down and empty
            try:
                reconcile(key)
            except Exception:
                queue.add_rate_limited(key)  # retry later, backing off per key
            else:
                queue.forget(key)            # reset the key's backoff
            finally:
                queue.done(key)

The rules are client-go's:

* **dedup** — an item added while it is queued is queued once;
* **one worker per item** — an item added while a worker processes it (between ``get`` and
  ``done``) is queued again only when that worker calls ``done``, so two workers never process
  the same item at once;
* **delays** — :meth:`~WorkQueue.add_after` adds the item once the delay has passed; added twice
  while waiting, it keeps the earlier deadline;
* **rate limiting** — :meth:`~WorkQueue.add_rate_limited` delays by what the queue's
  :class:`RateLimiter` says (by default :func:`default_controller_rate_limiter`: per-item
  exponential backoff from 5 ms to 1000 s, and 10 qps with bursts of 100 overall);
* **shutdown** — :meth:`~WorkQueue.shutdown` wakes every blocked ``get``; items still queued are
  handed out, then ``get`` raises :class:`ShutDown`; adds are ignored from then on.
  :meth:`~WorkQueue.shutdown_with_drain` also waits until every item handed out is ``done``.

The rules live once, in :class:`QueueCore`: plain state, no locks and no clock, whose methods say
what is ready and when the next deadline is. :class:`WorkQueue` (threads, one
``threading.Condition`` wait per blocked getter, with a timeout to the next deadline) and
:class:`AsyncWorkQueue` (tasks of one event loop, one future per blocked getter) only block and
wake. Neither polls: a getter sleeps until an item is added, the earliest delayed item is due, or
the queue shuts down.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Hashable, Iterator
from typing import Generic, Protocol, TypeVar

from kubeset.errors import KubesetError
from kubeset.ratelimit import TokenBucket

__all__ = [
    "AsyncWorkQueue",
    "BucketRateLimiter",
    "ItemExponentialFailureRateLimiter",
    "MaxOfRateLimiter",
    "QueueCore",
    "RateLimiter",
    "ShutDown",
    "WorkQueue",
    "default_controller_rate_limiter",
]

T = TypeVar("T", bound=Hashable)
T_contra = TypeVar("T_contra", contravariant=True)

Clock = Callable[[], float]


class ShutDown(KubesetError):
    """Raised by ``get`` once the queue is shut down and holds no more items."""


# --- rate limiters ------------------------------------------------------------------------------


class RateLimiter(Protocol[T_contra]):
    """How long to delay an item re-added with ``add_rate_limited`` (client-go's
    ``workqueue.RateLimiter``). The built-in ones take any hashable item and are thread-safe."""

    def when(self, item: T_contra) -> float:
        """Seconds to wait before the item is processed again (counts one more requeue)."""
        ...

    def forget(self, item: T_contra) -> None:
        """Stop tracking the item: its next failure starts from the first delay again."""
        ...

    def num_requeues(self, item: T_contra) -> int:
        """How many times the item has been rate limited since it was last forgotten."""
        ...


class ItemExponentialFailureRateLimiter:
    """Per item: ``base * 2**failures`` seconds, at most ``max`` (5 ms, 10 ms, 20 ms … 1000 s)."""

    def __init__(self, base: float = 0.005, max: float = 1000.0) -> None:
        self.base = float(base)
        self.max = float(max)
        self._failures: dict[Hashable, int] = {}
        self._lock = threading.Lock()

    def when(self, item: Hashable) -> float:
        with self._lock:
            exp = self._failures.get(item, 0)
            self._failures[item] = exp + 1
        # 2.0**1024 overflows a float; by then the delay is far past any sensible max anyway.
        return min(self.max, self.base * 2.0 ** min(exp, 1023))

    def forget(self, item: Hashable) -> None:
        with self._lock:
            self._failures.pop(item, None)

    def num_requeues(self, item: Hashable) -> int:
        with self._lock:
            return self._failures.get(item, 0)


class BucketRateLimiter:
    """Overall: a token bucket of ``qps`` tokens per second and ``burst`` at once, shared by every
    item (client-go's ``BucketRateLimiter`` over ``rate.NewLimiter(qps, burst)``). Counts no
    requeues."""

    def __init__(
        self, qps: float = 10.0, burst: int = 100, *, clock: Clock = time.monotonic
    ) -> None:
        self._bucket = TokenBucket(qps, burst, clock=clock)

    def when(self, item: Hashable) -> float:
        return self._bucket.reserve()

    def forget(self, item: Hashable) -> None:
        pass

    def num_requeues(self, item: Hashable) -> int:
        return 0


class MaxOfRateLimiter(Generic[T_contra]):
    """The longest delay of several limiters; ``num_requeues`` is the largest count and ``forget``
    forgets the item in all of them."""

    def __init__(self, *limiters: RateLimiter[T_contra]) -> None:
        self.limiters = limiters

    def when(self, item: T_contra) -> float:
        # Every limiter is asked (each counts the failure), not just until the largest.
        return max((limiter.when(item) for limiter in self.limiters), default=0.0)

    def forget(self, item: T_contra) -> None:
        for limiter in self.limiters:
            limiter.forget(item)

    def num_requeues(self, item: T_contra) -> int:
        return max((limiter.num_requeues(item) for limiter in self.limiters), default=0)


def default_controller_rate_limiter() -> MaxOfRateLimiter[Hashable]:
    """client-go's ``DefaultControllerRateLimiter``: per-item exponential backoff (5 ms to 1000 s)
    and an overall 10 qps bucket with bursts of 100, whichever delays more."""
    return MaxOfRateLimiter(
        ItemExponentialFailureRateLimiter(0.005, 1000.0), BucketRateLimiter(10.0, 100)
    )


# --- the rules, without I/O ---------------------------------------------------------------------


class QueueCore(Generic[T]):
    """The state and rules of a delaying work queue, without locks, threads or clocks.

    Callers serialize access (a lock, or one event loop) and pass the time in. ``queue`` holds
    the items ready to hand out in order, ``dirty`` the items queued or re-added (each once),
    ``processing`` those handed out and not yet done, and a heap the delayed items by deadline.
    Methods that change what a blocked getter would see return ``True`` when one must be woken.
    """

    def __init__(self) -> None:
        self._queue: deque[T] = deque()
        self._dirty: set[T] = set()
        self._processing: set[T] = set()
        # (ready_at, seq, item); an entry is live only while _ready_at[item] == (ready_at, seq):
        # moving an item's deadline earlier pushes a new entry and leaves the old one to be skipped.
        self._waiting: list[tuple[float, int, T]] = []
        self._ready_at: dict[T, tuple[float, int]] = {}
        self._seq = itertools.count()
        self.shutting_down = False
        self.draining = False

    def __len__(self) -> int:
        """Items ready to hand out (not the delayed ones, nor those being processed)."""
        return len(self._queue)

    @property
    def processing(self) -> frozenset[T]:
        return frozenset(self._processing)

    @property
    def waiting(self) -> int:
        """Delayed items not due yet."""
        return len(self._ready_at)

    def add(self, item: T) -> bool:
        """Queue the item unless it is queued already (or being processed: then it is queued again
        when done). True when it was queued: a getter can take it."""
        if self.shutting_down or item in self._dirty:
            return False
        self._dirty.add(item)
        if item in self._processing:
            return False
        self._queue.append(item)
        return True

    def add_after(self, item: T, delay: float, now: float) -> bool:
        """Add the item at ``now + delay`` (at once if ``delay <= 0``); an item already waiting
        keeps the earlier deadline. True when a getter must be woken: the item is queued, or the
        next deadline moved earlier."""
        if self.shutting_down:
            return False
        if delay <= 0:
            return self.add(item)
        ready_at = now + delay
        current = self._ready_at.get(item)
        if current is not None and current[0] <= ready_at:
            return False
        earliest = self.next_deadline()
        seq = next(self._seq)
        self._ready_at[item] = (ready_at, seq)
        heapq.heappush(self._waiting, (ready_at, seq, item))
        return earliest is None or ready_at < earliest

    def next_deadline(self) -> float | None:
        """When the earliest delayed item is due, or ``None``."""
        waiting = self._waiting
        while waiting and self._ready_at.get(waiting[0][2]) != waiting[0][:2]:
            heapq.heappop(waiting)  # superseded by an earlier deadline
        return waiting[0][0] if waiting else None

    def promote(self, now: float) -> None:
        """Add the delayed items due at ``now``."""
        while (deadline := self.next_deadline()) is not None and deadline <= now:
            _, _, item = heapq.heappop(self._waiting)
            del self._ready_at[item]
            self.add(item)

    def ready(self, now: float) -> bool:
        """Whether an item can be handed out at ``now`` (due delayed items are queued first)."""
        self.promote(now)
        return bool(self._queue)

    def pop(self) -> T:
        """Hand out the next item (call :meth:`ready` first): it is processing until done."""
        item = self._queue.popleft()
        self._processing.add(item)
        self._dirty.discard(item)
        return item

    def wait_time(self, now: float) -> float | None:
        """How long a getter that found nothing ready may sleep: until the next deadline, or
        ``None`` (until woken)."""
        deadline = self.next_deadline()
        return None if deadline is None else max(0.0, deadline - now)

    def has_pending(self) -> bool:
        """Whether something is queued or delayed: a getter leaving must pass the wake-up on."""
        return bool(self._queue) or self.next_deadline() is not None

    def done(self, item: T) -> bool:
        """The item is processed. True when it was re-added meanwhile and is queued again."""
        self._processing.discard(item)
        if item in self._dirty:
            self._queue.append(item)
            return True
        return False

    def shutdown(self, *, drain: bool) -> None:
        """Stop accepting items and drop the delayed ones; queued items are still handed out.
        ``drain`` makes :attr:`drained` wait for the items being processed (a plain shutdown
        releases a drain in progress)."""
        self.shutting_down = True
        self.draining = drain
        self._waiting.clear()
        self._ready_at.clear()

    @property
    def drained(self) -> bool:
        """Whether ``shutdown_with_drain`` may return: no item is being processed (or a plain
        shutdown stopped the drain)."""
        return not self.draining or not self._processing


class _QueueBase(Generic[T]):
    """What the two queues share: the core, the clock and the rate limiter."""

    def __init__(
        self, rate_limiter: RateLimiter[T] | None = None, *, clock: Clock = time.monotonic
    ) -> None:
        self._core: QueueCore[T] = QueueCore()
        self._clock = clock
        self.rate_limiter: RateLimiter[T] = (
            rate_limiter if rate_limiter is not None else default_controller_rate_limiter()
        )

    def forget(self, item: T) -> None:
        """Reset the item's backoff (after it was processed successfully)."""
        self.rate_limiter.forget(item)

    def num_requeues(self, item: T) -> int:
        """How many times the item was rate limited since it was last forgotten."""
        return self.rate_limiter.num_requeues(item)


# --- threads ------------------------------------------------------------------------------------


class WorkQueue(_QueueBase[T]):
    """A deduplicating, delaying, rate-limited work queue for worker threads.

    Every method is thread-safe. ``rate_limiter`` defaults to
    :func:`default_controller_rate_limiter`; ``clock`` (monotonic seconds) to ``time.monotonic``.
    Iterating (``for item in queue``) calls :meth:`get` until the queue is shut down and empty;
    each item must still be passed to :meth:`done`.
    """

    def __init__(
        self, rate_limiter: RateLimiter[T] | None = None, *, clock: Clock = time.monotonic
    ) -> None:
        super().__init__(rate_limiter, clock=clock)
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)  # getters
        self._idle = threading.Condition(self._lock)  # shutdown_with_drain

    def __len__(self) -> int:
        with self._lock:
            return len(self._core)

    def __iter__(self) -> Iterator[T]:
        while True:
            try:
                yield self.get()
            except ShutDown:
                return

    @property
    def shutting_down(self) -> bool:
        with self._lock:
            return self._core.shutting_down

    def add(self, item: T) -> None:
        """Queue the item (once; see the module's rules). Ignored after shutdown."""
        with self._lock:
            if self._core.add(item):
                self._work.notify()

    def add_after(self, item: T, seconds: float) -> None:
        """Add the item once ``seconds`` have passed (the earlier deadline if already waiting)."""
        with self._lock:
            if self._core.add_after(item, seconds, self._clock()):
                self._work.notify()

    def add_rate_limited(self, item: T) -> None:
        """Add the item after the delay the rate limiter gives it."""
        self.add_after(item, self.rate_limiter.when(item))

    def get(self) -> T:
        """The next item, blocking until there is one; raises :class:`ShutDown` once the queue is
        shut down and empty. Pass the item to :meth:`done` when finished with it."""
        core = self._core
        with self._lock:
            try:
                while True:
                    now = self._clock()
                    if core.ready(now):
                        return core.pop()
                    if core.shutting_down:
                        raise ShutDown("the work queue is shut down")
                    self._work.wait(core.wait_time(now))
            finally:
                # Whoever sleeps until the next deadline may be this getter: hand the watch on.
                if core.has_pending():
                    self._work.notify()

    def done(self, item: T) -> None:
        """Mark the item processed; if it was added meanwhile it is queued again now."""
        with self._lock:
            if self._core.done(item):
                self._work.notify()
            if self._core.drained:
                self._idle.notify_all()

    def shutdown(self) -> None:
        """Stop accepting items and wake every blocked :meth:`get` (queued items are still
        handed out, delayed ones dropped). Does not wait for workers."""
        with self._lock:
            self._core.shutdown(drain=False)
            self._work.notify_all()
            self._idle.notify_all()

    def shutdown_with_drain(self) -> None:
        """Shut down, then wait until every item handed out is done (or :meth:`shutdown` is
        called meanwhile)."""
        with self._lock:
            self._core.shutdown(drain=True)
            self._work.notify_all()
            while not self._core.drained:
                self._idle.wait()


# --- tasks --------------------------------------------------------------------------------------


class AsyncWorkQueue(_QueueBase[T]):
    """The same queue for tasks of one event loop: :meth:`get` and :meth:`shutdown_with_drain`
    are awaited; ``add``, ``done`` … never block and are plain calls (usable from callbacks).
    Not thread-safe: use it from its event loop's thread. ``async for item in queue`` gets items
    until the queue is shut down and empty; each must still be passed to :meth:`done`.
    """

    def __init__(
        self, rate_limiter: RateLimiter[T] | None = None, *, clock: Clock = time.monotonic
    ) -> None:
        super().__init__(rate_limiter, clock=clock)
        self._getters: deque[asyncio.Future[None]] = deque()
        self._drainers: list[asyncio.Future[None]] = []

    def __len__(self) -> int:
        return len(self._core)

    async def __aiter__(self) -> AsyncIterator[T]:
        while True:
            try:
                item = await self.get()
            except ShutDown:
                return
            yield item

    @property
    def shutting_down(self) -> bool:
        return self._core.shutting_down

    def _wake_one(self) -> None:
        while self._getters:
            waiter = self._getters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def _wake_all(self, waiters: deque[asyncio.Future[None]] | list[asyncio.Future[None]]) -> None:
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
        waiters.clear()

    def add(self, item: T) -> None:
        """Queue the item (once; see the module's rules). Ignored after shutdown."""
        if self._core.add(item):
            self._wake_one()

    def add_after(self, item: T, seconds: float) -> None:
        """Add the item once ``seconds`` have passed (the earlier deadline if already waiting)."""
        if self._core.add_after(item, seconds, self._clock()):
            self._wake_one()

    def add_rate_limited(self, item: T) -> None:
        """Add the item after the delay the rate limiter gives it."""
        self.add_after(item, self.rate_limiter.when(item))

    async def get(self) -> T:
        """The next item, waiting until there is one; raises :class:`ShutDown` once the queue is
        shut down and empty. Pass the item to :meth:`done` when finished with it."""
        core = self._core
        try:
            while True:
                now = self._clock()
                if core.ready(now):
                    return core.pop()
                if core.shutting_down:
                    raise ShutDown("the work queue is shut down")
                waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                self._getters.append(waiter)
                try:
                    timeout = core.wait_time(now)
                    if timeout is None:
                        await waiter
                    else:
                        await asyncio.wait((waiter,), timeout=timeout)
                finally:
                    waiter.cancel()
                    with contextlib.suppress(ValueError):
                        self._getters.remove(waiter)
        finally:
            # Pass the wake-up on: this getter may have been the one woken (or the one sleeping
            # until the next deadline) and is leaving, by returning or by being cancelled.
            if core.has_pending():
                self._wake_one()

    def done(self, item: T) -> None:
        """Mark the item processed; if it was added meanwhile it is queued again now."""
        if self._core.done(item):
            self._wake_one()
        if self._core.drained:
            self._wake_all(self._drainers)

    def shutdown(self) -> None:
        """Stop accepting items and wake every waiting :meth:`get` (queued items are still
        handed out, delayed ones dropped). Does not wait for workers."""
        self._core.shutdown(drain=False)
        self._wake_all(self._getters)
        self._wake_all(self._drainers)

    async def shutdown_with_drain(self) -> None:
        """Shut down, then wait until every item handed out is done (or :meth:`shutdown` is
        called meanwhile)."""
        self._core.shutdown(drain=True)
        self._wake_all(self._getters)
        while not self._core.drained:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._drainers.append(waiter)
            try:
                await waiter
            finally:
                waiter.cancel()
                with contextlib.suppress(ValueError):
                    self._drainers.remove(waiter)
