"""The client's bound on requests at once (``_Slots``): handed over first come first,
never lost to a caller cancelled while it waits."""

from __future__ import annotations

import asyncio

import pytest

from reconciler.registry._client import _Slots


async def _waiting(slots: _Slots, count: int) -> list[asyncio.Task[None]]:
    """``count`` callers waiting for a slot (none is free)."""
    tasks = [asyncio.create_task(slots.wait()) for _ in range(count)]
    await asyncio.sleep(0)
    return tasks


async def test_slots_are_handed_over_in_order() -> None:
    slots = _Slots(1)
    slots.free -= 1
    tasks = await _waiting(slots, 3)
    slots.release()
    await asyncio.sleep(0)
    assert [t.done() for t in tasks] == [True, False, False]
    slots.release()
    await asyncio.sleep(0)
    assert [t.done() for t in tasks] == [True, True, False]
    assert slots.free == 0


async def test_a_caller_cancelled_while_waiting_takes_no_slot() -> None:
    slots = _Slots(1)
    slots.free -= 1
    first, second = await _waiting(slots, 2)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    slots.release()
    await asyncio.wait_for(second, 1)
    slots.release()
    assert slots.free == 1


async def test_a_slot_handed_to_a_caller_cancelled_before_it_ran_goes_to_the_next() -> None:
    slots = _Slots(1)
    slots.free -= 1
    first, second = await _waiting(slots, 2)
    slots.release()  # handed to the first caller...
    first.cancel()  # ...cancelled before it could take it
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.wait_for(second, 1)
    assert slots.free == 0
    slots.release()
    assert slots.free == 1
