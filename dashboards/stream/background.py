"""The web process's own duties, started with its first socket, on its event loop: the stream
figures reported to Redis (stats.py), the Redis watch (redis_watch.py), the memory of closed
connections given back (reclaim.py), sockets closed when their access ends
(dashboards/access/revocation.py), and a tick to idle sockets (keepalive.py)."""

import asyncio
import logging

from channels.layers import get_channel_layer

from core.redis_clients import async_redis_client, async_redis_probe, async_redis_subscriber
from core.redis_keys import RedisKeys
from dashboards.access.revocation import AccessWatch
from dashboards.stream.keepalive import keep_alive
from dashboards.stream.reclaim import RECLAIMER
from dashboards.stream.redis_watch import RedisWatch
from dashboards.stream.stats import STATS, StatsReporter

log = logging.getLogger(__name__)

RECLAIM_CHECK_S = 1.0

_started: dict[asyncio.AbstractEventLoop, RedisWatch] = {}
_tasks: set[asyncio.Task] = set()


def redis_watch() -> RedisWatch | None:
    """This loop's Redis watch, once the first socket has started it."""
    return _started.get(asyncio.get_running_loop())


def ensure_background(redis_url: str, keys: RedisKeys, interval_s: float) -> RedisWatch:
    """Start this process's duties once per event loop (Daphne runs one); returns its watch."""
    loop = asyncio.get_running_loop()
    watch = _started.get(loop)
    if watch is None:
        watch = _started[loop] = RedisWatch(async_redis_probe(redis_url), get_channel_layer())
        reporter = StatsReporter(async_redis_client(redis_url), keys)
        access = AccessWatch(async_redis_subscriber(redis_url), keys.access_channel)
        duties = (
            watch.run(),
            reporter.run(lambda: watch.available),
            _reclaim_when_due(),
            access.run(),
            keep_alive(interval_s),
        )
        for duty in duties:
            task = loop.create_task(duty)
            task.add_done_callback(_log_end)
            _tasks.add(task)
    return watch


def _log_end(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("a web process duty stopped", exc_info=task.exception())


async def _reclaim_when_due() -> None:
    while True:
        await asyncio.sleep(RECLAIM_CHECK_S)
        if RECLAIMER.due():
            STATS.reclaimed(RECLAIMER.reclaim())
