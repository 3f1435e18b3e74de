"""Cancellation of the async runner's waits: a task cancelled just as what it waits for
arrives must end (on Python 3.11 ``asyncio.wait_for`` can swallow that cancellation, and a
loop around it then never ends — ``asyncio.run`` hangs at exit)."""

from __future__ import annotations

import asyncio

import pytest

from kubeset._runner import AsyncChannel, AsyncSignal


@pytest.mark.anyio
async def test_a_channel_reader_cancelled_as_an_item_arrives_ends() -> None:
    for _ in range(100):
        channel: AsyncChannel[int] = AsyncChannel()

        async def reader(ch: AsyncChannel[int] = channel) -> None:
            while True:
                await ch.get(0.5)

        task = asyncio.get_running_loop().create_task(reader())
        await asyncio.sleep(0)  # the reader waits
        channel.put(1)  # the wait completes ...
        task.cancel()  # ... as the task is cancelled
        done, _ = await asyncio.wait({task}, timeout=2)
        assert done and task.cancelled()


@pytest.mark.anyio
async def test_a_signal_waiter_cancelled_as_it_is_set_ends() -> None:
    for _ in range(100):
        signal = AsyncSignal()
        other = AsyncSignal()

        async def waiter(s: AsyncSignal = signal, o: AsyncSignal = other) -> None:
            while True:
                await s.wait(0.5)
                await o.wait(0.01)

        task = asyncio.get_running_loop().create_task(waiter())
        await asyncio.sleep(0)
        signal.set()
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=2)
        assert done and task.cancelled()
