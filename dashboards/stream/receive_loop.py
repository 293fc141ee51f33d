"""A WebSocket consumer whose receive loop has no task and ``asyncio.wait`` per message.

Channels' ``await_many_dispatch`` races the client's and the channel layer's next message with
``asyncio.wait`` and starts a new task for every message it takes: at 2,000 screens that was the
largest piece of the web process's CPU left (py-spy, docs/benchmarks.md). Here one long-lived
task per source feeds a queue, and the consumer handles the queue in order, one at a time, as
Channels does.
"""

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable
from typing import Any

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer

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


class OrderedWebsocketConsumer(AsyncWebsocketConsumer):
    """AsyncWebsocketConsumer with dispatch_in_order for its receive loop.

    Handlers are called directly. Channels' dispatch first closes stale database connections
    through a worker thread, before every handler: on the per-sample path that hop costs more
    than the rest of the handler, and in a reconnect storm it queued every connect behind the
    others on the one database thread. It does nothing a handler needs: the session and user
    are loaded by the auth middleware, and every ORM call made through database_sync_to_async
    closes stale connections itself, before and after.
    """

    async def __call__(self, scope, receive, send) -> None:
        """Channels' AsyncConsumer.__call__, with dispatch_in_order for its receive loop."""
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = await self.channel_layer.new_channel()
        self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
        self.base_send = send
        with contextlib.suppress(StopConsumer):
            await dispatch_in_order([receive, self.channel_receive], self.dispatch)

    async def dispatch(self, message: dict) -> None:
        await getattr(self, get_handler_name(message))(message)
