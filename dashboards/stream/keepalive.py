"""A tick to every screen that was sent nothing for about an interval, so that a page can tell a
quiet stream from a stalled one.

A browser cannot see WebSocket pings and pongs: a page that follows no host, or hosts that went
silent, heard nothing from a healthy server for minutes, the same as from a frozen one. One duty
per web process looks at the open sockets four times an interval and posts a keepalive to each
that was sent nothing for three quarters of one: at most one tick an interval, to idle sockets
only (a socket that streams samples never gets one). The page's rule is in docs/protocol.md.
"""

import asyncio
import time
from collections.abc import Iterable

from dashboards.stream.receive_loop import OPEN_CONSUMERS

# Posted to an idle consumer (LiveConsumer.stream_keepalive), which sends a ``tick`` frame.
KEEPALIVE_MESSAGE = {"type": "stream.keepalive"}
CHECKS_PER_INTERVAL = 4
IDLE_FRACTION = 0.75


def idle_since(consumers: Iterable, before: float) -> list:
    """The consumers whose last frame went out before ``before`` (monotonic seconds), leaving out
    those not sent anything yet (no hello: not streaming) and those already told to tick."""
    return [
        consumer
        for consumer in consumers
        if (sent_at := getattr(consumer, "sent_at", None)) is not None
        and sent_at < before
        and not consumer.keepalive_posted
    ]


async def keep_alive(interval_s: float) -> None:
    """Forever: post a keepalive to the sockets of this process idle for IDLE_FRACTION of
    ``interval_s``."""
    while True:
        await asyncio.sleep(interval_s / CHECKS_PER_INTERVAL)
        for consumer in idle_since(OPEN_CONSUMERS, time.monotonic() - IDLE_FRACTION * interval_s):
            consumer.keepalive_posted = True
            consumer.inbox.post(KEEPALIVE_MESSAGE)
