"""kubeset.wait without a server: backoff delays, retry_on_conflict / on_error, poll_until, and
watch_until against a fake lister-watcher (its real-server tests are in tests/e2e/test_wait.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from kubeset import Conflict, KubesetError, NotFound, WatchEvent
from kubeset.errors import FieldManagerConflict, Gone
from kubeset.wait import (
    DEFAULT_BACKOFF,
    DEFAULT_RETRY,
    Backoff,
    WaitTimeout,
    async_on_error,
    async_poll_until,
    async_retry_on_conflict,
    async_watch_until,
    on_error,
    poll_until,
    retry_on_conflict,
    watch_until,
)

FAST = Backoff(duration=0.001, steps=5)


# --- backoff ------------------------------------------------------------------------------------


def test_default_retry_and_backoff_are_client_gos() -> None:
    assert Backoff(duration=0.01, factor=1.0, jitter=0.1, steps=5) == DEFAULT_RETRY
    assert Backoff(duration=0.01, factor=5.0, jitter=0.1, steps=4) == DEFAULT_BACKOFF
    delays = list(DEFAULT_RETRY.delays())
    assert len(delays) == 4
    assert all(0.01 <= d <= 0.011 for d in delays)


def test_backoff_grows_by_factor_up_to_cap() -> None:
    assert list(Backoff(duration=1, factor=2, steps=6, cap=5).delays()) == [1, 2, 4, 5, 5]
    assert list(Backoff(duration=1, steps=1).delays()) == []
    with pytest.raises(ValueError):
        Backoff(duration=1, steps=0)


# --- retrying -----------------------------------------------------------------------------------


def conflict(n: int = 0) -> Conflict:
    return Conflict(f"stale {n}", code=409)


def test_retry_on_conflict_retries_until_success_and_returns_the_result() -> None:
    attempts = []

    def fn() -> str:
        attempts.append(time.monotonic())
        if len(attempts) < 3:
            raise conflict()
        return "ok"

    assert retry_on_conflict(fn) == "ok"
    assert len(attempts) == 3
    assert attempts[1] - attempts[0] >= 0.01  # DEFAULT_RETRY sleeps ~10 ms between attempts


def test_retry_on_conflict_gives_up_after_the_steps_and_re_raises_the_last_conflict() -> None:
    raised: list[Conflict] = []

    def fn() -> None:
        raised.append(conflict(len(raised)))
        raise raised[-1]

    with pytest.raises(Conflict) as info:
        retry_on_conflict(fn)
    assert len(raised) == DEFAULT_RETRY.steps == 5
    assert info.value is raised[-1]
    raised.clear()
    with pytest.raises(Conflict):
        retry_on_conflict(fn, Backoff(duration=0, steps=2))
    assert len(raised) == 2


def test_retry_on_conflict_lets_other_errors_through_at_once() -> None:
    calls = 0

    def fn() -> None:
        nonlocal calls
        calls += 1
        raise NotFound("gone", code=404)

    with pytest.raises(NotFound):
        retry_on_conflict(fn, FAST)
    assert calls == 1

    def field_conflict() -> None:  # a Conflict too (apply): retried like any other
        nonlocal calls
        calls += 1
        raise FieldManagerConflict("owned", code=409)

    calls = 0
    with pytest.raises(FieldManagerConflict):
        retry_on_conflict(field_conflict, FAST)
    assert calls == 5


def test_on_error_uses_the_predicate() -> None:
    calls = 0

    def fn() -> int:
        nonlocal calls
        calls += 1
        if calls < 4:
            raise ValueError(calls)
        return calls

    assert on_error(FAST, lambda e: isinstance(e, ValueError), fn) == 4
    calls = 0
    with pytest.raises(ValueError):
        on_error(FAST, lambda e: False, fn)
    assert calls == 1


@pytest.mark.anyio
async def test_async_retry_on_conflict_and_on_error() -> None:
    calls = 0

    async def fn() -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0)
        if calls < 3:
            raise conflict()
        return "done"

    assert await async_retry_on_conflict(fn) == "done"
    assert calls == 3

    async def always() -> None:
        nonlocal calls
        calls += 1
        raise conflict(calls)

    calls = 0
    with pytest.raises(Conflict, match="stale 5"):
        await async_retry_on_conflict(always, FAST)
    assert calls == 5

    async def not_found() -> None:
        nonlocal calls
        calls += 1
        raise NotFound("x", code=404)

    calls = 0
    with pytest.raises(NotFound):
        await async_retry_on_conflict(not_found)
    assert calls == 1
    calls = 0
    with pytest.raises(NotFound):
        await async_on_error(FAST, lambda e: isinstance(e, NotFound), not_found)
    assert calls == 5


# --- polling ------------------------------------------------------------------------------------


def test_poll_until_returns_once_the_condition_holds() -> None:
    calls = []

    def condition() -> bool:
        calls.append(time.monotonic())
        return len(calls) == 3

    poll_until(condition, interval=0.01, timeout=2)
    assert len(calls) == 3
    assert calls[2] - calls[0] >= 0.02


def test_poll_until_times_out_with_a_typed_error() -> None:
    calls = 0

    def never() -> bool:
        nonlocal calls
        calls += 1
        return False

    start = time.monotonic()
    with pytest.raises(WaitTimeout) as info:
        poll_until(never, interval=0.02, timeout=0.1)
    elapsed = time.monotonic() - start
    assert 0.1 <= elapsed < 0.5
    assert 3 <= calls <= 6
    assert isinstance(info.value, KubesetError) and isinstance(info.value, TimeoutError)


def test_poll_until_immediate_and_errors() -> None:
    calls = 0

    def once() -> bool:
        nonlocal calls
        calls += 1
        return True

    poll_until(once, interval=1, timeout=0)  # immediate: checked once even with no time
    assert calls == 1
    start = time.monotonic()
    poll_until(once, interval=0.05, timeout=1, immediate=False)
    assert time.monotonic() - start >= 0.05 and calls == 2
    with pytest.raises(WaitTimeout):
        poll_until(once, interval=1, timeout=0, immediate=False)

    def boom() -> bool:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        poll_until(boom, interval=0.01, timeout=1)
    with pytest.raises(ValueError):
        poll_until(once, interval=0, timeout=1)


@pytest.mark.anyio
async def test_async_poll_until() -> None:
    calls = 0

    async def async_condition() -> bool:
        nonlocal calls
        calls += 1
        return calls == 3

    await async_poll_until(async_condition, interval=0.01, timeout=2)
    assert calls == 3
    await async_poll_until(lambda: True, interval=0.01, timeout=1)  # a plain condition too
    start = time.monotonic()
    with pytest.raises(WaitTimeout):
        await async_poll_until(lambda: False, interval=0.02, timeout=0.1)
    assert 0.1 <= time.monotonic() - start < 0.5

    async def hangs() -> bool:
        await asyncio.sleep(10)
        return True

    start = time.monotonic()
    with pytest.raises(WaitTimeout):  # the timeout cancels the call in flight
        await async_poll_until(hangs, interval=0.01, timeout=0.1)
    assert time.monotonic() - start < 0.5


# --- watch_until on a fake lister-watcher ---------------------------------------------------------


def obj(name: str, rv: str, ready: bool = False) -> dict[str, Any]:
    return {"metadata": {"name": name, "resourceVersion": rv}, "ready": ready}


class FakeWatch:
    def __init__(self, events: list[WatchEvent[Any]] | Exception) -> None:
        self.events = events

    def __enter__(self) -> FakeWatch:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    async def __aenter__(self) -> FakeWatch:
        return self

    async def __aexit__(self, *exc: object) -> None:
        pass

    def _check(self) -> list[WatchEvent[Any]]:
        if isinstance(self.events, Exception):
            raise self.events
        return self.events

    def __iter__(self) -> Iterator[WatchEvent[Any]]:
        yield from self._check()

    async def __aiter__(self) -> AsyncIterator[WatchEvent[Any]]:
        for event in self._check():
            yield event


class FakeClient:
    """Answers list with ``lists`` in turn and watch with ``watches`` in turn; records calls."""

    def __init__(self, lists: list[dict[str, Any]], watches: list[FakeWatch]) -> None:
        self.lists = lists
        self.watches = watches
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def list(self, **options: Any) -> dict[str, Any]:
        self.calls.append(("list", options))
        return self.lists.pop(0)

    def watch(self, **options: Any) -> FakeWatch:
        self.calls.append(("watch", options))
        return self.watches.pop(0)


class AsyncFakeClient(FakeClient):
    async def list(self, **options: Any) -> dict[str, Any]:  # type: ignore[override]
        return super().list(**options)


def is_ready(event: WatchEvent[Any]) -> bool:
    return bool(event.object["ready"])


def listing(rv: str, *items: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": {"resourceVersion": rv}, "items": list(items)}


def test_watch_until_an_object_already_satisfying_it_needs_no_watch() -> None:
    client = FakeClient([listing("10", obj("a", "5"), obj("b", "9", ready=True))], [])
    event = watch_until(client, is_ready, timeout=5, label_selector="app=x")  # type: ignore[arg-type]
    assert (event.type, event.object["metadata"]["name"]) == ("ADDED", "b")
    assert client.calls == [("list", {"label_selector": "app=x"})]


def test_watch_until_watches_from_the_list_resumes_and_relists_after_gone() -> None:
    client = FakeClient(
        [listing("10", obj("a", "5")), listing("30", obj("a", "25"))],
        [
            FakeWatch(
                [WatchEvent("MODIFIED", obj("a", "11")), WatchEvent("BOOKMARK", obj("", "12"))]
            ),
            FakeWatch(Gone("too old", code=410)),
            FakeWatch(
                [
                    WatchEvent("BOOKMARK", {"metadata": {"resourceVersion": "31"}, "ready": True}),
                    WatchEvent("MODIFIED", obj("a", "32", ready=True)),
                ]
            ),
        ],
    )
    event = watch_until(client, is_ready, timeout=5, field_selector="metadata.name=a")  # type: ignore[arg-type]
    assert (event.type, event.object["metadata"]["resourceVersion"]) == ("MODIFIED", "32")
    versions = [(verb, opts.get("resource_version")) for verb, opts in client.calls]
    assert versions == [
        ("list", None),
        ("watch", "10"),
        ("watch", "12"),
        ("list", None),
        ("watch", "30"),
    ]
    watch_opts = client.calls[1][1]
    assert watch_opts["allow_watch_bookmarks"] is True
    assert watch_opts["field_selector"] == "metadata.name=a"
    assert 1 <= watch_opts["timeout_seconds"] <= 5


def test_watch_until_times_out() -> None:
    class Quiet(FakeClient):
        def watch(self, **options: Any) -> FakeWatch:
            time.sleep(0.05)  # a server ending a quiet watch
            return super().watch(**options)

    client = Quiet([listing("1")], [FakeWatch([]) for _ in range(100)])
    start = time.monotonic()
    with pytest.raises(WaitTimeout):
        watch_until(client, is_ready, timeout=0.2)  # type: ignore[arg-type]
    assert time.monotonic() - start < 1


@pytest.mark.anyio
async def test_async_watch_until() -> None:
    client = AsyncFakeClient(
        [listing("10", obj("a", "5"))],
        [
            FakeWatch(
                [
                    WatchEvent("MODIFIED", obj("a", "11")),
                    WatchEvent("MODIFIED", obj("a", "12", ready=True)),
                ]
            )
        ],
    )

    async def async_ready(event: WatchEvent[Any]) -> bool:
        return is_ready(event)

    event = await async_watch_until(client, async_ready, timeout=5)  # type: ignore[arg-type]
    assert event.object["metadata"]["resourceVersion"] == "12"
    assert [verb for verb, _ in client.calls] == ["list", "watch"]

    class Hanging(AsyncFakeClient):
        async def list(self, **options: Any) -> dict[str, Any]:  # type: ignore[override]
            await asyncio.sleep(10)
            return {}

    start = time.monotonic()
    with pytest.raises(WaitTimeout):
        await async_watch_until(Hanging([], []), is_ready, timeout=0.1)  # type: ignore[arg-type]
    assert time.monotonic() - start < 0.5
