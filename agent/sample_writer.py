"""The agent's side of the recent-sample store: number each sample and append it.

Samples are kept as their JSON text in a sorted set scored by ``seq``, so that the web side's
backfill and resume ("everything after seq N") are range reads that never decode a sample
(dashboards/stream/reader.py).
"""

import math
import secrets
from dataclasses import dataclass

import redis

from core.redis_keys import RedisKeys


def samples_to_keep(interval: float, seconds: float) -> int:
    """How many samples cover ``seconds`` of history; never fewer than 600."""
    return max(600, math.ceil(seconds / interval))


# Sequence numbers are reserved this many at a time: a sample then costs one round trip (append
# and fan-out in one script) instead of two. An agent that restarts skips what it had left, so
# seqs rise without gaps while an agent runs and jump when it restarts (docs/protocol.md).
SEQ_BLOCK = 1000
# The append script's answer when the store started over (a new, empty Redis): nothing was
# stored or sent, and the writer must take a new epoch and new seqs.
STORE_STARTED_OVER = -1


@dataclass(frozen=True)
class Stamp:
    """What the store hands out before a sample is encoded: its place in the stream."""

    epoch: str
    seq: int


class SampleWriter:
    """Numbers, appends and fans out one host's samples; keeps the newest ``keep`` of them."""

    def __init__(self, client: redis.Redis, keys: RedisKeys, host: str, keep: int) -> None:
        self.client = client
        self._keys = keys
        self._host = host
        self._keep = keep
        self._append = client.register_script(_APPEND_SCRIPT)
        self._epoch: str | None = None
        self._next_seq = self._last_seq = 0

    def next_stamp(self) -> Stamp:
        """The stream epoch and the host's next sequence number; a Redis round trip only when
        the reserved numbers run out (or the store started over)."""
        if self._epoch is None or self._next_seq > self._last_seq:
            pipe = self.client.pipeline(transaction=False)
            pipe.set(self._keys.epoch, secrets.token_hex(8), nx=True)
            pipe.get(self._keys.epoch)
            pipe.incrby(self._keys.seq(self._host), SEQ_BLOCK)
            _, epoch, last = pipe.execute()
            self._epoch, self._last_seq = epoch.decode(), int(last)
            self._next_seq = self._last_seq - SEQ_BLOCK + 1
        seq, self._next_seq = self._next_seq, self._next_seq + 1
        return Stamp(epoch=self._epoch, seq=seq)

    def start_over(self) -> None:
        """The store started over (the append said so): take a new epoch and new seqs."""
        self._epoch = None

    def append(self, stamp: Stamp, full_text: str, summary_text: str) -> int:
        """Store both encodings of a sample; 1 when the host has never sent one before, else 0,
        or STORE_STARTED_OVER."""
        return self.queue_append(self.client, stamp, full_text, summary_text)

    def queue_append(
        self,
        client,
        stamp: Stamp,
        full_text: str,
        summary_text: str,
        fan_out: tuple[str, bytes] | None = None,
    ):
        """Run (or queue, on a pipeline) the append, and the PUBLISH of ``fan_out`` (channel,
        payload) after it, in one script: a screen told of a sample finds it stored, and a
        sample of a store that started over is neither stored nor sent."""
        channel, payload = fan_out or ("", b"")
        return self._append(
            keys=[
                self._keys.recent(self._host),
                self._keys.recent(self._host, "summary"),
                self._keys.hosts,
                self._keys.epoch,
            ],
            args=[
                stamp.seq, full_text, summary_text, self._keep, self._host, stamp.epoch,
                channel, payload,
            ],
            client=client,
        )  # fmt: skip


# The arrival time comes from Redis's own clock, so host status never depends on an agent's clock.
_APPEND_SCRIPT = """
if redis.call('GET', KEYS[4]) ~= ARGV[6] then
  return -1
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -tonumber(ARGV[4]) - 1)
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -tonumber(ARGV[4]) - 1)
local now = redis.call('TIME')
local first = redis.call('ZADD', KEYS[3], now[1] + now[2] / 1000000, ARGV[5])
if ARGV[7] ~= '' then
  redis.call('PUBLISH', ARGV[7], ARGV[8])
end
return first
"""
