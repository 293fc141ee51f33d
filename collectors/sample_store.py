"""The recent-sample store in Redis: per host, the last few minutes of encoded samples.

Samples are kept as their JSON text in a sorted set scored by ``seq``, so backfill and resume
("everything after seq N") are range reads that never decode a sample. The writer runs in the
agent (sync); the reader runs in the WebSocket consumer (async) and in /healthz (sync).
"""

import asyncio
import secrets
import weakref
from dataclasses import dataclass

import redis
import redis.asyncio as aioredis


@dataclass(frozen=True)
class StoreKeys:
    """Names of everything the product keeps in Redis, under one prefix."""

    prefix: str

    def recent(self, host: str) -> str:
        return f"{self.prefix}:recent:{host}"

    def seq(self, host: str) -> str:
        return f"{self.prefix}:seq:{host}"

    @property
    def hosts(self) -> str:
        """Sorted set: host name -> time of its newest sample."""
        return f"{self.prefix}:hosts"

    @property
    def epoch(self) -> str:
        """Changes whenever the store starts empty (a new Redis), so clients drop stale seqs."""
        return f"{self.prefix}:epoch"


@dataclass(frozen=True)
class Stamp:
    """What the store hands out before a sample is encoded: its place in the stream."""

    epoch: str
    seq: int


class SampleWriter:
    """Numbers and appends one host's samples; keeps the newest ``keep`` of them."""

    def __init__(self, client: redis.Redis, keys: StoreKeys, host: str, keep: int) -> None:
        self._client = client
        self._keys = keys
        self._host = host
        self._keep = keep

    def next_stamp(self) -> Stamp:
        """The stream epoch and the host's next sequence number (one round trip)."""
        pipe = self._client.pipeline(transaction=False)
        pipe.set(self._keys.epoch, secrets.token_hex(8), nx=True)
        pipe.get(self._keys.epoch)
        pipe.incr(self._keys.seq(self._host))
        _, epoch, seq = pipe.execute()
        return Stamp(epoch=epoch.decode(), seq=int(seq))

    def append(self, seq: int, ts: float, text: str) -> bool:
        """Store an encoded sample; True when this is the first sample ever seen from the host."""
        recent = self._keys.recent(self._host)
        pipe = self._client.pipeline(transaction=False)
        pipe.zadd(recent, {text: seq})
        pipe.zremrangebyrank(recent, 0, -self._keep - 1)
        pipe.zadd(self._keys.hosts, {self._host: ts})
        _, _, new_hosts = pipe.execute()
        return bool(new_hosts)


# One async client per event loop and URL: a redis.asyncio pool is bound to the loop that made it.
_async_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def async_client(url: str) -> aioredis.Redis:
    """This event loop's shared async client for ``url``."""
    clients = _async_clients.setdefault(asyncio.get_running_loop(), {})
    if url not in clients:
        clients[url] = aioredis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
    return clients[url]


class SampleReader:
    """Backfill and stream facts for the consumer, as raw JSON texts."""

    def __init__(self, client: aioredis.Redis, keys: StoreKeys) -> None:
        self._client = client
        self._keys = keys

    async def epoch(self) -> str:
        await self._client.set(self._keys.epoch, secrets.token_hex(8), nx=True)
        return (await self._client.get(self._keys.epoch)).decode()

    async def known_hosts(self) -> list[str]:
        return [name.decode() for name in await self._client.zrange(self._keys.hosts, 0, -1)]

    async def recent(self, host: str, after_seq: int | None, last: int) -> list[tuple[str, int]]:
        """(text, seq) of samples with seq > ``after_seq`` (or any), at most the newest ``last``."""
        if last <= 0:
            return []
        key = self._keys.recent(host)
        if after_seq is None:
            stored = await self._client.zrange(key, -last, -1, withscores=True)
        else:
            stored = await self._client.zrangebyscore(key, f"({after_seq}", "+inf", withscores=True)
            stored = stored[-last:]
        return [(text.decode(), int(seq)) for text, seq in stored]


def newest_sample_time(client: redis.Redis, keys: StoreKeys) -> float | None:
    """Unix time of the newest sample of any host, or None when there is none."""
    newest = client.zrevrange(keys.hosts, 0, 0, withscores=True)
    return newest[0][1] if newest else None
