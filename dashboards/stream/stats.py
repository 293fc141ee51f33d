"""What each web process's stream is doing: clients, frames, samples, drops, sample age at send.

Counters live in the process (a handful of integer additions per frame); every few seconds a
reporter writes a snapshot with rates to Redis, where /metrics and /healthz of any web process
read the whole set.
"""

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import redis
import redis.asyncio as aioredis

from core.redis_clients import REDIS_ERRORS
from core.redis_keys import RedisKeys

log = logging.getLogger(__name__)

REPORT_EVERY_S = 5.0
REPORT_TTL_S = 30  # a process that stops reporting disappears from /metrics after this


@dataclass
class StreamStats:
    """Counters of one web process (cumulative) plus the worst sample age since the last report."""

    clients: int = 0
    connections_total: int = 0
    frames: int = 0
    samples: int = 0
    drops: dict[str, int] = field(default_factory=dict)
    oldest_age_at_send_s: float = 0.0
    reclaims: int = 0  # full collections after disconnects (reclaim.py)
    longest_reclaim_pause_s: float = 0.0

    def connected(self) -> None:
        self.clients += 1
        self.connections_total += 1

    def disconnected(self) -> None:
        self.clients -= 1

    def sent(self, samples: int, ts: float | None = None) -> None:
        self.frames += 1
        self.samples += samples
        if ts is not None:
            self.oldest_age_at_send_s = max(self.oldest_age_at_send_s, time.time() - ts)

    def dropped(self, reason: str) -> None:
        self.drops[reason] = self.drops.get(reason, 0) + 1

    def reclaimed(self, pause_s: float) -> None:
        self.reclaims += 1
        self.longest_reclaim_pause_s = max(self.longest_reclaim_pause_s, pause_s)


STATS = StreamStats()
PROCESS_ID = f"{socket.gethostname()}:{os.getpid()}"


class StatsReporter:
    """Writes this process's snapshot (with per-second rates) to a Redis hash every few seconds."""

    def __init__(self, client: aioredis.Redis, keys: RedisKeys, stats: StreamStats = STATS) -> None:
        self._client = client
        self._key = keys.stream_stats
        self._stats = stats
        self._last = (time.monotonic(), stats.frames, stats.samples)

    def snapshot(self) -> dict:
        now, frames, samples = time.monotonic(), self._stats.frames, self._stats.samples
        then, frames_before, samples_before = self._last
        elapsed = max(now - then, 1e-6)
        self._last = (now, frames, samples)
        snapshot = {
            "process": PROCESS_ID,
            "reported_at": time.time(),
            "clients": self._stats.clients,
            "connections_total": self._stats.connections_total,
            "frames_total": frames,
            "samples_total": samples,
            "frames_per_s": round((frames - frames_before) / elapsed, 2),
            "samples_per_s": round((samples - samples_before) / elapsed, 2),
            "drops": dict(self._stats.drops),
            "oldest_sample_age_at_send_s": round(self._stats.oldest_age_at_send_s, 3),
            "reclaims": self._stats.reclaims,
            "longest_reclaim_pause_s": round(self._stats.longest_reclaim_pause_s, 3),
        }
        self._stats.oldest_age_at_send_s = 0.0
        return snapshot

    async def report(self) -> None:
        snapshot = self.snapshot()
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.hset(self._key, PROCESS_ID, json.dumps(snapshot))
            pipe.expire(self._key, REPORT_TTL_S)
            await pipe.execute()

    async def run(self, redis_available: Callable[[], bool]) -> None:
        """Report every few seconds while Redis answers (the Redis watch says when it does not:
        one line for the outage, not one per report)."""
        while True:
            await asyncio.sleep(REPORT_EVERY_S)
            if not redis_available():
                continue
            try:
                await self.report()
            except REDIS_ERRORS as exc:
                log.warning("could not report stream stats: %s", exc)


def read_all(client: redis.Redis, keys: RedisKeys) -> list[dict]:
    """Every live web process's latest snapshot (processes silent for 30 s are left out)."""
    now = time.time()
    snapshots, gone = [], []
    for process, raw in client.hgetall(keys.stream_stats).items():
        with contextlib.suppress(ValueError, KeyError):
            snapshot = json.loads(raw)
            if now - snapshot["reported_at"] <= REPORT_TTL_S:
                snapshots.append(snapshot)
            else:
                gone.append(process)
    if gone:
        client.hdel(keys.stream_stats, *gone)
    return sorted(snapshots, key=lambda s: s["process"])
