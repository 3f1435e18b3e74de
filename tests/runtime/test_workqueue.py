"""kubeset.workqueue: the queue rules on the I/O-free core (with a fake clock), the rate limiters,
and the thread and task wrappers (real time, every wait bounded so a bug fails instead of hanging)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable

import pytest

from kubeset import KubesetError
from kubeset.workqueue import (
    AsyncWorkQueue,
    BucketRateLimiter,
    ItemExponentialFailureRateLimiter,
    MaxOfRateLimiter,
    QueueCore,
    ShutDown,
    WorkQueue,
    default_controller_rate_limiter,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def drain_core(core: QueueCore[str], now: float) -> list[str]:
    out = []
    while core.ready(now):
        out.append(core.pop())
    return out


# --- the core -----------------------------------------------------------------------------------


def test_add_deduplicates_queued_items_and_keeps_fifo_order() -> None:
    core: QueueCore[str] = QueueCore()
    assert core.add("a") is True
    assert core.add("b") is True
    assert core.add("a") is False
    assert len(core) == 2
    assert drain_core(core, 0) == ["a", "b"]
    assert core.processing == {"a", "b"}


def test_item_re_added_while_processing_is_queued_again_only_after_done() -> None:
    core: QueueCore[str] = QueueCore()
    core.add("a")
    assert core.pop() == "a"
    assert core.add("a") is False  # being processed: not handed to a second worker
    assert core.add("a") is False  # and still only once
    assert len(core) == 0 and not core.ready(0)
    assert core.done("a") is True  # now it is queued again
    assert len(core) == 1
    assert core.pop() == "a"
    assert core.done("a") is False  # not re-added this time: gone
    assert len(core) == 0 and core.processing == set()


def test_delayed_items_come_out_in_deadline_order() -> None:
    core: QueueCore[str] = QueueCore()
    assert core.add_after("late", 3, now=0) is True  # first deadline
    assert core.add_after("soon", 1, now=0) is True  # earlier: a sleeping getter must re-time
    assert core.add_after("mid", 2, now=0) is False  # later than the earliest: nobody to wake
    assert core.add_after("now", 0, now=0) is True  # no delay: queued at once
    assert drain_core(core, 0) == ["now"]
    assert core.wait_time(0.25) == 0.75
    assert not core.ready(0.99)
    assert drain_core(core, 2.5) == ["soon", "mid"]
    assert core.waiting == 1 and core.next_deadline() == 3
    assert drain_core(core, 3) == ["late"]
    assert core.wait_time(3) is None and core.waiting == 0


def test_add_after_twice_keeps_the_earliest_deadline() -> None:
    core: QueueCore[str] = QueueCore()
    core.add_after("a", 5, now=0)
    assert core.add_after("a", 2, now=0) is True
    assert core.add_after("a", 10, now=0) is False
    assert core.next_deadline() == 2 and core.waiting == 1
    assert drain_core(core, 2) == ["a"]
    core.done("a")
    # The superseded deadline (5) must not add it a second time.
    assert not core.ready(100) and core.next_deadline() is None


def test_delayed_item_due_while_processing_waits_for_done() -> None:
    core: QueueCore[str] = QueueCore()
    core.add("a")
    assert core.pop() == "a"
    core.add_after("a", 1, now=0)
    assert not core.ready(5)  # due, but a worker still has it
    assert core.done("a") is True
    assert drain_core(core, 5) == ["a"]


def test_delayed_item_already_queued_is_not_duplicated() -> None:
    core: QueueCore[str] = QueueCore()
    core.add("a")
    core.add_after("a", 1, now=0)
    assert drain_core(core, 2) == ["a"]


def test_shutdown_ignores_adds_drops_delayed_and_hands_out_the_rest() -> None:
    core: QueueCore[str] = QueueCore()
    core.add("a")
    core.add_after("later", 1, now=0)
    core.shutdown(drain=False)
    assert core.add("b") is False
    assert core.add_after("c", 1, now=0) is False
    assert core.wait_time(0) is None
    assert drain_core(core, 10) == ["a"]


def test_drained_tracks_processing_and_a_plain_shutdown_releases_it() -> None:
    core: QueueCore[str] = QueueCore()
    core.add("a")
    core.pop()
    core.shutdown(drain=True)
    assert not core.drained
    core.done("a")
    assert core.drained
    core.add("b")  # ignored: shut down
    core2: QueueCore[str] = QueueCore()
    core2.add("x")
    core2.pop()
    core2.shutdown(drain=True)
    core2.shutdown(drain=False)
    assert core2.drained


# --- rate limiters ------------------------------------------------------------------------------


def test_item_exponential_backoff_values_per_item_and_forget() -> None:
    limiter = ItemExponentialFailureRateLimiter()
    assert (limiter.base, limiter.max) == (0.005, 1000.0)
    assert [limiter.when("a") for _ in range(4)] == [0.005, 0.01, 0.02, 0.04]
    assert limiter.num_requeues("a") == 4
    assert limiter.when("b") == 0.005  # per item
    limiter.forget("a")
    assert limiter.num_requeues("a") == 0
    assert limiter.when("a") == 0.005


def test_item_exponential_backoff_is_capped_and_never_overflows() -> None:
    limiter = ItemExponentialFailureRateLimiter(base=1, max=10)
    assert [limiter.when("a") for _ in range(6)] == [1, 2, 4, 8, 10, 10]
    for _ in range(1100):
        delay = limiter.when("a")
    assert delay == 10
    assert ItemExponentialFailureRateLimiter().num_requeues("unknown") == 0


def test_bucket_limiter_allows_a_burst_then_qps() -> None:
    clock = FakeClock()
    limiter = BucketRateLimiter(qps=10, burst=100, clock=clock)
    assert all(limiter.when(i) == 0 for i in range(100))
    assert limiter.when("x") == pytest.approx(0.1)
    assert limiter.when("y") == pytest.approx(0.2)
    clock.now += 1  # ten tokens back, two of them already promised
    assert limiter.when("z") == 0
    assert limiter.num_requeues("x") == 0
    limiter.forget("x")


def test_max_of_limiters_and_the_default_controller_limiter() -> None:
    clock = FakeClock()
    slow = ItemExponentialFailureRateLimiter(base=0.5, max=100)
    limiter = MaxOfRateLimiter(
        ItemExponentialFailureRateLimiter(), slow, BucketRateLimiter(1, 1, clock=clock)
    )
    assert limiter.when("a") == 0.5
    assert limiter.when("a") == 1.0  # the bucket asks 1 s, the slow item limiter too
    assert limiter.num_requeues("a") == 2
    limiter.forget("a")
    assert limiter.num_requeues("a") == 0 and slow.num_requeues("a") == 0

    default = default_controller_rate_limiter()
    assert [type(x) for x in default.limiters] == [
        ItemExponentialFailureRateLimiter,
        BucketRateLimiter,
    ]
    assert [default.when("k") for _ in range(3)] == [0.005, 0.01, 0.02]
    assert default.num_requeues("k") == 3
    default.forget("k")
    assert default.when("k") == 0.005


# --- the thread-safe queue ----------------------------------------------------------------------


def run_thread(target: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    results: list[object] = []

    def wrapper() -> None:
        try:
            results.append(target())
        except BaseException as err:
            results.append(err)

    thread = threading.Thread(target=wrapper, daemon=True)
    thread.start()
    return thread, results


def test_shutdown_error_is_a_kubeset_error() -> None:
    assert issubclass(ShutDown, KubesetError)


def test_sync_rules_through_the_wrapper() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    queue.add("a")
    queue.add("b")
    assert len(queue) == 2
    assert queue.get() == "a"
    queue.add("a")
    assert len(queue) == 1  # only b
    assert queue.get() == "b"
    queue.done("a")
    assert queue.get() == "a"
    queue.done("a")
    queue.done("b")
    assert len(queue) == 0
    assert not queue.shutting_down
    queue.shutdown()
    assert queue.shutting_down
    with pytest.raises(ShutDown):
        queue.get()


def test_get_blocks_until_an_item_is_added() -> None:
    queue: WorkQueue[str] = WorkQueue()
    thread, results = run_thread(queue.get)
    time.sleep(0.05)
    assert thread.is_alive()
    queue.add("x")
    thread.join(2)
    assert results == ["x"]


def test_shutdown_wakes_every_blocked_getter_after_queued_items_are_handed_out() -> None:
    queue: WorkQueue[int] = WorkQueue()
    threads = [run_thread(queue.get) for _ in range(4)]
    time.sleep(0.05)
    queue.shutdown()
    for thread, _ in threads:
        thread.join(2)
        assert not thread.is_alive()
    assert all(isinstance(results[0], ShutDown) for _, results in threads)

    queue2: WorkQueue[int] = WorkQueue()
    queue2.add(1)
    queue2.add(2)
    queue2.shutdown()
    queue2.add(3)  # ignored
    assert list(queue2) == [1, 2]  # iteration ends at ShutDown


def test_shutdown_with_drain_waits_for_done() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    queue.add("b")
    assert queue.get() == "a"
    drainer, results = run_thread(queue.shutdown_with_drain)
    time.sleep(0.05)
    assert drainer.is_alive()
    assert queue.shutting_down
    assert queue.get() == "b"  # queued items are still handed out
    queue.done("a")
    time.sleep(0.05)
    assert drainer.is_alive()  # b is still being processed
    queue.done("b")
    drainer.join(2)
    assert not drainer.is_alive() and results == [None]


def test_shutdown_releases_a_drain_in_progress() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    queue.get()
    drainer, _ = run_thread(queue.shutdown_with_drain)
    time.sleep(0.05)
    assert drainer.is_alive()
    queue.shutdown()
    drainer.join(2)
    assert not drainer.is_alive()


def test_add_after_delays_the_item_and_wakes_a_getter_on_time() -> None:
    queue: WorkQueue[str] = WorkQueue()
    start = time.monotonic()
    queue.add_after("x", 0.1)
    thread, results = run_thread(queue.get)
    thread.join(2)
    elapsed = time.monotonic() - start
    assert results == ["x"]
    assert 0.1 <= elapsed < 1.0


def test_every_delayed_item_reaches_a_waiting_getter() -> None:
    """Getters asleep with no deadline must learn of deadlines added later: the one that watches
    the earliest deadline hands the watch on when it takes its item."""
    queue: WorkQueue[str] = WorkQueue()
    threads = [run_thread(queue.get) for _ in range(3)]
    time.sleep(0.05)
    queue.add_after("x", 0.05)
    queue.add_after("y", 0.15)
    queue.add_after("z", 0.1)
    for thread, _ in threads:
        thread.join(2)
    assert sorted(r for _, results in threads for r in results) == ["x", "y", "z"]  # type: ignore[type-var]


def test_add_rate_limited_forget_and_num_requeues() -> None:
    limiter = ItemExponentialFailureRateLimiter(base=0.02, max=1)
    queue: WorkQueue[str] = WorkQueue(limiter)
    assert queue.rate_limiter is limiter
    start = time.monotonic()
    queue.add_rate_limited("k")
    queue.add_rate_limited("k")  # 0.04 s: the earlier deadline (0.02 s) stays
    assert len(queue) == 0
    assert queue.get() == "k"
    assert 0.02 <= time.monotonic() - start < 0.5
    assert queue.num_requeues("k") == 2
    queue.forget("k")
    assert queue.num_requeues("k") == 0
    queue.done("k")
    assert WorkQueue[str]().rate_limiter is not None  # the default controller limiter


def test_many_threads_process_every_item_exactly_once() -> None:
    queue: WorkQueue[int] = WorkQueue()
    seen: Counter[int] = Counter()
    lock = threading.Lock()

    def worker() -> None:
        for item in queue:
            with lock:
                seen[item] += 1
            queue.done(item)

    workers = [run_thread(worker)[0] for _ in range(8)]
    n = 3000

    def produce(start: int) -> None:
        for i in range(start, n, 4):
            queue.add(i)

    producers = [run_thread(lambda start=start: produce(start))[0] for start in range(4)]  # type: ignore[misc]
    for producer in producers:
        producer.join(5)
    deadline = time.monotonic() + 5
    while sum(seen.values()) < n and time.monotonic() < deadline:
        time.sleep(0.01)
    drainer = run_thread(queue.shutdown_with_drain)[0]
    drainer.join(5)
    for w in workers:
        w.join(5)
        assert not w.is_alive()
    assert seen == Counter(range(n))


def test_an_item_is_never_processed_by_two_threads_at_once() -> None:
    queue: WorkQueue[int] = WorkQueue()
    active: set[int] = set()
    overlaps: list[int] = []
    processed: Counter[int] = Counter()
    lock = threading.Lock()

    def worker() -> None:
        for item in queue:
            with lock:
                if item in active:
                    overlaps.append(item)
                active.add(item)
            time.sleep(0.0005)
            with lock:
                active.discard(item)
                processed[item] += 1
            queue.done(item)

    workers = [run_thread(worker)[0] for _ in range(8)]
    for _ in range(200):
        for item in range(5):
            queue.add(item)
    time.sleep(0.1)
    queue.shutdown_with_drain()
    for w in workers:
        w.join(5)
        assert not w.is_alive()
    assert overlaps == []
    assert set(processed) == set(range(5))


# --- the asyncio queue --------------------------------------------------------------------------


async def bounded(awaitable: object, timeout: float = 2.0) -> object:
    return await asyncio.wait_for(awaitable, timeout)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_async_rules_get_and_iteration() -> None:
    queue: AsyncWorkQueue[str] = AsyncWorkQueue()
    getter = asyncio.create_task(queue.get())
    await asyncio.sleep(0.01)
    assert not getter.done()
    queue.add("a")
    queue.add("a")
    assert await bounded(getter) == "a"
    queue.add("a")  # processing: not queued until done
    assert len(queue) == 0
    queue.done("a")
    assert len(queue) == 1
    assert await bounded(queue.get()) == "a"
    queue.done("a")
    queue.add("b")
    queue.shutdown()
    assert queue.shutting_down
    assert [item async for item in queue] == ["b"]
    with pytest.raises(ShutDown):
        await bounded(queue.get())


@pytest.mark.anyio
async def test_async_shutdown_wakes_getters_and_drain_waits_for_done() -> None:
    queue: AsyncWorkQueue[str] = AsyncWorkQueue()
    getters = [asyncio.create_task(queue.get()) for _ in range(4)]
    await asyncio.sleep(0.01)
    queue.shutdown()
    results = await bounded(asyncio.gather(*getters, return_exceptions=True))
    assert all(isinstance(r, ShutDown) for r in results)  # type: ignore[attr-defined]

    queue2: AsyncWorkQueue[str] = AsyncWorkQueue()
    queue2.add("a")
    assert await bounded(queue2.get()) == "a"
    drain = asyncio.create_task(queue2.shutdown_with_drain())
    await asyncio.sleep(0.02)
    assert not drain.done()
    queue2.done("a")
    await bounded(drain)

    queue3: AsyncWorkQueue[str] = AsyncWorkQueue()
    queue3.add("a")
    await queue3.get()
    drain = asyncio.create_task(queue3.shutdown_with_drain())
    await asyncio.sleep(0.02)
    queue3.shutdown()
    await bounded(drain)


@pytest.mark.anyio
async def test_async_delays_rate_limits_and_earliest_deadline() -> None:
    queue: AsyncWorkQueue[str] = AsyncWorkQueue(ItemExponentialFailureRateLimiter(base=0.05, max=1))
    waiting = [asyncio.create_task(queue.get()) for _ in range(2)]
    await asyncio.sleep(0.01)
    start = time.monotonic()
    queue.add_after("late", 0.1)
    queue.add_rate_limited("early")  # 0.05 s
    queue.add_rate_limited("early")  # 0.1 s: keeps 0.05
    first = await bounded(asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED))
    assert [t.result() for t in first[0]] == ["early"]  # type: ignore[index]
    assert time.monotonic() - start >= 0.05
    assert sorted(await bounded(asyncio.gather(*waiting))) == ["early", "late"]  # type: ignore[call-overload]
    assert queue.num_requeues("early") == 2
    queue.forget("early")
    assert queue.num_requeues("early") == 0


@pytest.mark.anyio
async def test_async_cancelled_getter_passes_its_wake_up_on() -> None:
    queue: AsyncWorkQueue[str] = AsyncWorkQueue()
    first = asyncio.create_task(queue.get())
    second = asyncio.create_task(queue.get())
    await asyncio.sleep(0.01)
    queue.add("x")  # wakes the first getter …
    first.cancel()  # … which is cancelled before it runs
    assert await bounded(second) == "x"
    with pytest.raises(asyncio.CancelledError):
        await first


@pytest.mark.anyio
async def test_async_many_tasks_process_every_item_exactly_once() -> None:
    queue: AsyncWorkQueue[int] = AsyncWorkQueue()
    seen: Counter[int] = Counter()
    active: set[int] = set()
    overlaps: list[int] = []

    async def worker() -> None:
        async for item in queue:
            if item in active:
                overlaps.append(item)
            active.add(item)
            await asyncio.sleep(0)
            active.discard(item)
            seen[item] += 1
            queue.done(item)

    workers = [asyncio.create_task(worker()) for _ in range(10)]
    n = 2000
    for i in range(n):
        queue.add(i)
        if i % 100 == 0:
            await asyncio.sleep(0)
    for _ in range(200):
        if sum(seen.values()) == n:
            break
        await asyncio.sleep(0.01)
    await bounded(queue.shutdown_with_drain())
    await bounded(asyncio.gather(*workers))
    assert seen == Counter(range(n))
    assert overlaps == []


def test_rate_limiter_protocol_accepts_typed_limiters() -> None:
    class Fixed:
        def when(self, item: str) -> float:
            return 0.0

        def forget(self, item: str) -> None:
            pass

        def num_requeues(self, item: str) -> int:
            return 0

    queue: WorkQueue[str] = WorkQueue(Fixed())
    queue.add_rate_limited("a")
    assert queue.get() == "a"
    items: list[Hashable] = [("ns", "name"), 1, "s"]
    for item in items:
        queue.add(item)  # type: ignore[arg-type]
    assert len(queue) == 3
