"""dispatch_in_order: every message of every source, one at a time, in each source's order."""

import asyncio

import pytest

from dashboards.stream.receive_loop import dispatch_in_order


class Stop(Exception):
    pass


async def test_messages_of_both_sources_are_handled_one_at_a_time_in_order():
    client, layer = asyncio.Queue(), asyncio.Queue()
    handled, running = [], []
    first_six = asyncio.Event()

    async def dispatch(message):
        running.append(message)
        assert len(running) == 1  # never two handlers at once
        await asyncio.sleep(0)  # a yield, not a wait: the sources run while a handler is suspended
        handled.append(message)
        running.pop()
        if len(handled) == 6:
            first_six.set()
        if message == "stop":
            raise Stop

    for n in range(5):
        layer.put_nowait(f"sample-{n}")
    client.put_nowait("subscribe")
    loop = asyncio.create_task(dispatch_in_order([client.get, layer.get], dispatch))
    await asyncio.wait_for(first_six.wait(), 5)
    client.put_nowait("stop")
    with pytest.raises(Stop):
        await loop
    assert [m for m in handled if m.startswith("sample")] == [f"sample-{n}" for n in range(5)]
    assert handled[-1] == "stop" and "subscribe" in handled


async def test_a_source_that_fails_ends_the_loop_with_its_error_and_stops_the_other():
    other_cancelled = asyncio.Event()

    async def broken():
        raise ConnectionError("layer gone")

    async def idle():
        try:
            await asyncio.Event().wait()
        finally:
            other_cancelled.set()

    async def dispatch(message):
        raise AssertionError("nothing to handle")

    with pytest.raises(ConnectionError, match="layer gone"):
        await asyncio.wait_for(dispatch_in_order([idle, broken], dispatch), 5)
    assert other_cancelled.is_set()
