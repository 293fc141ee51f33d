"""The recent-sample store in Redis: per host, the last few minutes of encoded samples.

Samples are kept as their JSON text in a sorted set scored by ``seq``, so backfill and resume
("everything after seq N") are range reads that never decode a sample. The writer runs in the
agent (sync); the reader runs in the WebSocket consumer (async) and in /healthz (sync).
"""

import asyncio
import json
import secrets
import weakref
from dataclasses import dataclass

import redis
import redis.asyncio as aioredis


@dataclass(frozen=True)
class StoreKeys:
    """Names of everything the product keeps in Redis, under one prefix."""

    prefix: str

    def recent(self, host: str, view: str = "full") -> str:
        """Sorted set of encoded samples by seq; ``view`` is "full" or "summary"."""
        return f"{self.prefix}:recent:{view}:{host}"

    def seq(self, host: str) -> str:
        return f"{self.prefix}:seq:{host}"

    @property
    def hosts(self) -> str:
        """Sorted set: host name -> Redis time when its newest sample arrived."""
        return f"{self.prefix}:hosts"

    @property
    def fleet(self) -> str:
        """Hash: host name -> JSON record (status, labels, info) kept by the evaluator."""
        return f"{self.prefix}:fleet"

    @property
    def dispatch(self) -> str:
        """Set of host names whose agents beat should send `collect` to."""
        return f"{self.prefix}:dispatch"

    @property
    def agent_names(self) -> str:
        """Set of host names that have at least one registered agent instance."""
        return f"{self.prefix}:agents"

    def removed(self, host: str) -> str:
        """Set of agent instance ids whose host an admin removed (they are ignored)."""
        return f"{self.prefix}:removed:{host}"

    def instances(self, host: str) -> str:
        """Hash: agent instance id -> JSON registration record (refreshed by heartbeats)."""
        return f"{self.prefix}:instances:{host}"

    @property
    def tick(self) -> str:
        """Counter: one number per collection round, so screens can send a round as one frame."""
        return f"{self.prefix}:tick"

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
        self._append = client.register_script(_APPEND_SCRIPT)

    def next_stamp(self) -> Stamp:
        """The stream epoch and the host's next sequence number (one round trip)."""
        pipe = self._client.pipeline(transaction=False)
        self.queue_stamp(pipe)
        return self.stamp_from(pipe.execute())

    def queue_stamp(self, pipe: redis.client.Pipeline) -> None:
        """Queue next_stamp's commands (three replies) on ``pipe``, to batch several hosts."""
        pipe.set(self._keys.epoch, secrets.token_hex(8), nx=True)
        pipe.get(self._keys.epoch)
        pipe.incr(self._keys.seq(self._host))

    @staticmethod
    def stamp_from(replies: list) -> Stamp:
        _, epoch, seq = replies
        return Stamp(epoch=epoch.decode(), seq=int(seq))

    def append(self, seq: int, full_text: str, summary_text: str) -> bool:
        """Store both encodings of a sample; True when the host has never sent one before."""
        return bool(self.queue_append(self._client, seq, full_text, summary_text))

    def queue_append(self, client: redis.Redis, seq: int, full_text: str, summary_text: str):
        """Run (or queue, on a pipeline) the append; its reply is 1 for a host's first sample."""
        return self._append(
            keys=[
                self._keys.recent(self._host),
                self._keys.recent(self._host, "summary"),
                self._keys.hosts,
            ],
            args=[seq, full_text, summary_text, self._keep, self._host],
            client=client,
        )


# The arrival time comes from Redis's own clock, so host status never depends on an agent's clock.
_APPEND_SCRIPT = """
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -tonumber(ARGV[4]) - 1)
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -tonumber(ARGV[4]) - 1)
local now = redis.call('TIME')
return redis.call('ZADD', KEYS[3], now[1] + now[2] / 1000000, ARGV[5])
"""


def redis_now(client: redis.Redis) -> float:
    """Redis's clock, the one every arrival time is measured by."""
    seconds, microseconds = client.time()
    return seconds + microseconds / 1_000_000


# One async client per event loop and URL: a redis.asyncio pool is bound to the loop that made it.
_async_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
READER_CONNECTIONS = 32  # per web process and event loop
READER_WAIT_S = 30  # for a free connection; past it the screen gets "unavailable" (4503)


def async_client(url: str) -> aioredis.Redis:
    """This event loop's shared async client for ``url``."""
    clients = _async_clients.setdefault(asyncio.get_running_loop(), {})
    if url not in clients:
        # A bounded pool that makes callers wait for a connection: with an unbounded one, 2,000
        # screens subscribing in the same second opened 2,000 connections at once, and the few
        # whose connect or read passed its timeout on the busy loop were closed with 4503.
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=READER_CONNECTIONS,
            timeout=READER_WAIT_S,
            socket_timeout=5,
            socket_connect_timeout=2,
        )
        clients[url] = aioredis.Redis(connection_pool=pool)
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
            json.loads(record) if record else unknown_record(host)
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


def unknown_record(host: str) -> dict:
    """A host's record before the evaluator has seen it."""
    return {
        "name": host,
        "status": "unknown",
        "since": None,
        "labels": {},
        "duplicate": False,
        "info": {},
    }


def newest_sample_time(client: redis.Redis, keys: StoreKeys) -> float | None:
    """Redis time when the newest sample of any host arrived, or None when there is none."""
    newest = client.zrevrange(keys.hosts, 0, 0, withscores=True)
    return newest[0][1] if newest else None
