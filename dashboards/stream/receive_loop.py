"""A WebSocket consumer whose receive loop has no task and ``asyncio.wait`` per message, and that
always lets go of what it holds.

Channels' ``await_many_dispatch`` races the client's and the channel layer's next message with
``asyncio.wait`` and starts a new task for every message it takes: at 2,000 screens that was the
largest piece of the web process's CPU left (py-spy, docs/benchmarks.md). Here one long-lived
task per source feeds an inbox, and the consumer handles it in order, one at a time, as Channels
does; the process can post to the inbox too (a message handled in turn like the others).

Channels calls ``disconnect()`` only when the client's close arrives: a handler that raises, or a
consumer Daphne cancels, skipped it, and left its client counted and its groups subscribed in
Redis for good. Here release happens whatever ends the loop.
"""

import asyncio
import contextlib
import functools
import logging
import weakref
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer

from core.redis_clients import REDIS_ERRORS

log = logging.getLogger(__name__)

Source = Callable[[], Awaitable[Any]]

# Consumers whose socket is open in this process: what the process tells when Redis goes away.
OPEN_CONSUMERS: "weakref.WeakSet[OrderedWebsocketConsumer]" = weakref.WeakSet()
# Releases that outlive their consumer (it was cancelled or crashed): kept until they finish.
_releases: set[asyncio.Task] = set()


class Inbox:
    """The messages of every source, and those posted by the process, in arrival order."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue = asyncio.Queue()

    def post(self, message: dict) -> None:
        self._queue.put_nowait((message, None))

    async def dispatch_in_order(
        self, sources: list[Source], dispatch: Callable[[Any], Awaitable[None]]
    ) -> None:
        """Hand every message to ``dispatch``, one at a time, until it raises; a source that
        raises ends the loop with its exception, as in Channels."""
        pumps = [asyncio.ensure_future(self._pump(source)) for source in sources]
        try:
            while True:
                message, error = await self._queue.get()
                if error is not None:
                    raise error
                await dispatch(message)
        finally:
            for task in pumps:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _pump(self, source: Source) -> None:
        try:
            while True:
                self._queue.put_nowait((await source(), None))
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            self._queue.put_nowait((None, exc))


async def dispatch_in_order(
    sources: list[Source], dispatch: Callable[[Any], Awaitable[None]]
) -> None:
    """Every message of every source to ``dispatch``, in order (an Inbox nobody posts to)."""
    await Inbox().dispatch_in_order(sources, dispatch)


class OrderedWebsocketConsumer(AsyncWebsocketConsumer):
    """AsyncWebsocketConsumer with an Inbox for its receive loop, released whatever ends it.

    Handlers are called directly. Channels' dispatch first closes stale database connections
    through a worker thread, before every handler: on the per-sample path that hop costs more
    than the rest of the handler, and in a reconnect storm it queued every connect behind the
    others on the one database thread. It does nothing a handler needs: the session and user
    are loaded by the auth middleware, and every ORM call made through database_sync_to_async
    closes stale connections itself, before and after.

    Subclasses say what to give back in ``forget()`` (called once, when released: forget the
    socket's state, return the groups it was in) and
    can ask ``layer_usable()`` before a channel is made; without one (Redis is down)
    ``channel_name`` is None and only the client's messages arrive.
    """

    async def __call__(self, scope, receive, send) -> None:
        self.scope = scope
        self.base_send = send
        self.inbox = Inbox()
        self.released = False
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = None
        sources = [receive]
        if self.layer_usable():
            try:
                self.channel_name = await self.channel_layer.new_channel()
            except REDIS_ERRORS:
                pass  # connect() finds no channel and tells the client the stream is unavailable
            else:
                receive_from_layer = self.channel_layer.receive
                sources.append(functools.partial(receive_from_layer, self.channel_name))
        try:
            await self.inbox.dispatch_in_order(sources, self.dispatch)
        except StopConsumer:
            pass
        finally:
            if not self.released:
                self._release_in_background()

    async def dispatch(self, message: dict) -> None:
        await getattr(self, get_handler_name(message))(message)

    def layer_usable(self) -> bool:
        return True

    def opened(self) -> None:
        """The socket is accepted: the process may post to this consumer from now on."""
        OPEN_CONSUMERS.add(self)

    def forget(self) -> Iterable[str]:
        """Forget this socket's state (synchronously) and name the groups it was in."""
        return ()

    async def release(self) -> None:
        """Leave every group and give back what the socket held; once, whatever calls it."""
        if self.released:
            return
        self.released = True
        OPEN_CONSUMERS.discard(self)
        await self._leave(list(self.forget()))

    def _release_in_background(self) -> None:
        self.released = True
        OPEN_CONSUMERS.discard(self)
        groups = list(self.forget())
        if groups and self.channel_name is not None:
            task = asyncio.get_running_loop().create_task(self._leave(groups))
            _releases.add(task)
            task.add_done_callback(_releases.discard)

    async def _leave(self, groups: list[str]) -> None:
        if self.channel_name is None:
            return
        for group in groups:
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except REDIS_ERRORS as exc:
                # The layer forgets the membership before it tells Redis; the process's Redis
                # watch starts the layer over when Redis is gone, so nothing is left behind.
                log.debug("could not leave %s: %s", group, exc)
