"""Batcher: items gather for a moment and go in one call (at once when ``most`` wait), what
arrives while a call runs goes in the next, and each submitter gets its own result or
exception."""

from __future__ import annotations

import asyncio
import threading

import pytest

from monitor.batch import Batcher


def test_items_that_arrive_during_a_call_share_the_next() -> None:
    calls: list[list[int]] = []
    release = threading.Event()

    def run(items: list[int]) -> list[int | Exception]:
        calls.append(items)
        release.wait(5)
        return [item * 10 for item in items]

    async def scenario() -> list[int]:
        batcher: Batcher[int, int] = Batcher(run, gather=0.0)
        first = asyncio.create_task(batcher.submit(1))
        await asyncio.sleep(0.05)  # the first call is running (and blocked)
        rest = [asyncio.create_task(batcher.submit(n)) for n in (2, 3, 4)]
        await asyncio.sleep(0.05)
        release.set()
        return await asyncio.gather(first, *rest)

    assert asyncio.run(scenario()) == [10, 20, 30, 40]
    assert calls == [[1], [2, 3, 4]]


def test_each_submitter_gets_its_own_exception() -> None:
    def run(items: list[int]) -> list[int | Exception]:
        return [ValueError(f"bad {i}") if i % 2 else i for i in items]

    async def scenario() -> list[int | BaseException]:
        batcher: Batcher[int, int] = Batcher(run)
        return await asyncio.gather(*(batcher.submit(i) for i in range(4)), return_exceptions=True)

    results = asyncio.run(scenario())
    assert results[0] == 0 and results[2] == 2
    assert [str(r) for r in results[1::2]] == ["bad 1", "bad 3"]


def test_a_failing_call_fails_its_batch_only() -> None:
    calls = 0

    def run(items: list[int]) -> list[int | Exception]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database is locked")
        return list(items)

    async def scenario() -> int:
        batcher: Batcher[int, int] = Batcher(run)
        with pytest.raises(RuntimeError, match="locked"):
            await batcher.submit(1)
        return await batcher.submit(2)

    assert asyncio.run(scenario()) == 2


def test_items_gather_for_a_moment_and_a_full_batch_goes_at_once() -> None:
    calls: list[list[int]] = []

    def run(items: list[int]) -> list[int | Exception]:
        calls.append(items)
        return list(items)

    async def scenario() -> list[int]:
        # A long gathering time: only ``most`` makes the first batch go, and the rest go when
        # the first of them has waited ``gather``.
        batcher: Batcher[int, int] = Batcher(run, gather=0.3, most=3)
        first = [asyncio.create_task(batcher.submit(n)) for n in (1, 2)]
        await asyncio.sleep(0.05)
        assert calls == []  # gathering
        rest = [asyncio.create_task(batcher.submit(n)) for n in (3, 4)]
        return await asyncio.gather(*first, *rest)

    assert asyncio.run(scenario()) == [1, 2, 3, 4]
    assert calls == [[1, 2, 3], [4]]


def test_when_no_other_item_is_coming_the_batch_goes_without_gathering() -> None:
    calls: list[list[int]] = []

    def run(items: list[int]) -> list[int | Exception]:
        calls.append(items)
        return list(items)

    async def scenario() -> list[int]:
        batcher: Batcher[int, int] = Batcher(run, gather=30.0)
        first = [asyncio.create_task(batcher.submit(n)) for n in (1, 2)]
        await asyncio.sleep(0.05)
        assert calls == []  # gathering
        last = asyncio.create_task(batcher.submit(3, last=True))
        done = await asyncio.wait_for(asyncio.gather(*first, last), 5)
        batcher.flush()  # nothing waits: nothing to send
        late = asyncio.create_task(batcher.submit(4))
        await asyncio.sleep(0.05)
        assert calls == [[1, 2, 3]]  # the next batch gathers again
        batcher.flush()
        return [*done, await asyncio.wait_for(late, 5)]

    assert asyncio.run(scenario()) == [1, 2, 3, 4]
    assert calls == [[1, 2, 3], [4]]
