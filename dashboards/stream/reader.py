"""The web side's reader of the recent-sample store: backfill and stream facts for the consumer,
as raw JSON texts (a sample is never decoded on its way to a screen)."""

import json
import secrets

import redis.asyncio as aioredis

from core.hosts import host_record
from core.redis_keys import RedisKeys


class SampleReader:
    """Async reads of the store and the fleet hash, for one web process's event loop."""

    def __init__(self, client: aioredis.Redis, keys: RedisKeys) -> None:
        self._client = client
        self._keys = keys

    async def epoch(self) -> str:
        await self._client.set(self._keys.epoch, secrets.token_hex(8), nx=True)
        return (await self._client.get(self._keys.epoch)).decode()

    async def known_hosts(self) -> list[str]:
        """Every host with samples or a fleet record, sorted."""
        sampled = await self._client.zrange(self._keys.hosts, 0, -1)
        registered = await self._client.hkeys(self._keys.fleet)
        return sorted({name.decode() for name in [*sampled, *registered]})

    async def fleet_records(self, hosts: list[str]) -> list[dict]:
        """The evaluator's record of each host (a bare "unknown" one where it has none yet)."""
        if not hosts:
            return []
        stored = await self._client.hmget(self._keys.fleet, hosts)
        return [
            json.loads(record) if record else host_record(host)
            for host, record in zip(hosts, stored, strict=True)
        ]

    async def recent(
        self, host: str, after_seq: int | None, last: int, view: str = "full"
    ) -> list[tuple[str, int]]:
        """(text, seq) of samples with seq > ``after_seq`` (or any), at most the newest ``last``."""
        if last <= 0:
            return []
        key = self._keys.recent(host, view)
        if after_seq is None:
            stored = await self._client.zrange(key, -last, -1, withscores=True)
        else:
            stored = await self._client.zrangebyscore(key, f"({after_seq}", "+inf", withscores=True)
            stored = stored[-last:]
        return [(text.decode(), int(seq)) for text, seq in stored]
