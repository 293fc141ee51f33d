"""A consumer's receive loop without a task and an ``asyncio.wait`` per message.

Channels' ``await_many_dispatch`` races the client's and the channel layer's next message with
``asyncio.wait`` and starts a new task for every message it takes: at 2,000 screens that was the
largest piece of the web process's CPU left (py-spy, docs/benchmarks.md). Here one long-lived
task per source feeds a queue, and the consumer handles the queue in order, one at a time, as
Channels does.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

Source = Callable[[], Awaitable[Any]]


async def dispatch_in_order(
    sources: list[Source], dispatch: Callable[[Any], Awaitable[None]]
) -> None:
    """Hand every message of every source to ``dispatch``, one at a time, until it raises.

    A source that raises ends the loop with its exception, as in Channels.
    """
    inbox: asyncio.Queue = asyncio.Queue()

    async def pump(source: Source) -> None:
        try:
            while True:
                inbox.put_nowait((await source(), None))
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            inbox.put_nowait((None, exc))

    pumps = [asyncio.ensure_future(pump(source)) for source in sources]
    try:
        while True:
            message, error = await inbox.get()
            if error is not None:
                raise error
            await dispatch(message)
    finally:
        for task in pumps:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
