"""The web side's reader of the recent-sample store: backfill and stream facts for the consumer,
as raw JSON texts (a sample is never decoded on its way to a screen)."""

import json
import secrets

import redis.asyncio as aioredis

from core.hosts import host_record
from core.redis_keys import RedisKeys
from dashboards.alerts.mirror import snapshot_frame


class SampleReader:
    """Async reads of the store and the fleet hash, for one web process's event loop."""

    def __init__(self, client: aioredis.Redis, keys: RedisKeys) -> None:
        self._client = client
        self._keys = keys

    async def epoch_and_hosts(self) -> tuple[str, list[str]]:
        """The store's epoch (made now if the store is new) and every known host, sorted; one
        round trip (a reconnect storm makes thousands of these at once)."""
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.set(self._keys.epoch, secrets.token_hex(8), nx=True)
            pipe.get(self._keys.epoch)
            self._queue_known_hosts(pipe)
            _, epoch, sampled, registered = await pipe.execute()
        return epoch.decode(), self._hosts_from(sampled, registered)

    async def alert_snapshot(self) -> str:
        """The `alerts` frame: every active alert (and recent tombstones) from the mirror."""
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.hvals(self._keys.alerts)
            pipe.get(self._keys.alerts_version)
            texts, version = await pipe.execute()
        return snapshot_frame(texts, int(version or 0))

    async def known_hosts(self) -> list[str]:
        """Every host with samples or a fleet record, sorted."""
        async with self._client.pipeline(transaction=False) as pipe:
            self._queue_known_hosts(pipe)
            return self._hosts_from(*await pipe.execute())

    async def records_and_recent(
        self, hosts: list[str], after: dict[str, int | None], last: int, view: str = "full"
    ) -> tuple[list[dict], dict[str, list[tuple[str, int]]]]:
        """Each host's record, and (text, seq) of its samples with seq > ``after[host]`` (or
        any), at most the newest ``last``: what a subscribe sends, in one round trip."""
        if not hosts:
            return [], {}
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.hmget(self._keys.fleet, hosts)
            if last > 0:
                for host in hosts:
                    key = self._keys.recent(host, view)
                    if after.get(host) is None:
                        pipe.zrange(key, -last, -1, withscores=True)
                    else:
                        pipe.zrangebyscore(key, f"({after[host]}", "+inf", withscores=True)
            stored, *recents = await pipe.execute()
        records = [
            json.loads(record) if record else host_record(host)
            for host, record in zip(hosts, stored, strict=True)
        ]
        samples = {
            host: [(text.decode(), int(seq)) for text, seq in found[-last:]]
            for host, found in zip(hosts, recents, strict=False)
        }
        return records, samples

    def _queue_known_hosts(self, pipe) -> None:
        pipe.zrange(self._keys.hosts, 0, -1)
        pipe.hkeys(self._keys.fleet)

    @staticmethod
    def _hosts_from(sampled: list[bytes], registered: list[bytes]) -> list[str]:
        return sorted({name.decode() for name in [*sampled, *registered]})
