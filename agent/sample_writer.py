"""The agent's side of the recent-sample store: number each sample and append it.

Samples are kept as their JSON text in a sorted set scored by ``seq``, so that the web side's
backfill and resume ("everything after seq N") are range reads that never decode a sample
(dashboards/stream/reader.py).
"""

import secrets
from dataclasses import dataclass

import redis

from core.redis_keys import RedisKeys


@dataclass(frozen=True)
class Stamp:
    """What the store hands out before a sample is encoded: its place in the stream."""

    epoch: str
    seq: int


class SampleWriter:
    """Numbers and appends one host's samples; keeps the newest ``keep`` of them."""

    def __init__(self, client: redis.Redis, keys: RedisKeys, host: str, keep: int) -> None:
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
