"""Whether this web process's Redis answers, and what the stream does when it stops.

When Redis goes away, channels-redis's pub/sub layer keeps every socket subscribed to nothing:
screens stay open and silent, and the subscriptions they held come back as orphans when Redis
does (its client subscribes again to everything it had). So, after two missed pings a second
apart: every open screen is told (``error unavailable``, close 4503) and reconnects with backoff,
new ones are answered the same way without touching the layer, the overview merger stops, and
the layer starts over empty (its own ``flush``). Once Redis answers again, screens connect as
usual and learn from the new epoch that the store started over. One log line each way.
"""

import asyncio
import contextlib
import logging
import time

import redis.asyncio as aioredis

from core.redis_clients import REDIS_ERRORS
from dashboards.stream.merger import stop_mergers
from dashboards.stream.receive_loop import OPEN_CONSUMERS

log = logging.getLogger(__name__)

PING_EVERY_S = 1.0
MISSES_BEFORE_DOWN = 2
# Posted to every open consumer when Redis is lost (LiveConsumer.stream_unavailable).
UNAVAILABLE_MESSAGE = {"type": "stream.unavailable"}


class RedisWatch:
    """Pings Redis every second; ``available`` is False from the second missed ping on."""

    def __init__(self, client: aioredis.Redis, layer, every_s: float = PING_EVERY_S) -> None:
        self._client = client
        self._layer = layer
        self._every_s = every_s
        self.available = True
        self._misses = 0
        self._lost_at = 0.0

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._every_s)
            await self.check()

    async def check(self) -> None:
        try:
            await asyncio.wait_for(self._client.ping(), timeout=2 * self._every_s)
        except (*REDIS_ERRORS, TimeoutError) as exc:
            self._misses += 1
            if self.available and self._misses >= MISSES_BEFORE_DOWN:
                await self._lost(exc)
            return
        self._misses = 0
        if not self.available:
            self.available = True
            log.warning("Redis answers again after %.1f s", time.monotonic() - self._lost_at)

    async def _lost(self, exc: BaseException) -> None:
        self.available = False
        self._lost_at = time.monotonic()
        screens = list(OPEN_CONSUMERS)
        log.warning(
            "Redis unreachable (%s): %d screens told to come back later (4503)",
            type(exc).__name__,
            len(screens),
        )
        stop_mergers()
        with contextlib.suppress(*REDIS_ERRORS, OSError, RuntimeError):
            await self._layer.flush()
        for consumer in screens:
            consumer.inbox.post(UNAVAILABLE_MESSAGE)
