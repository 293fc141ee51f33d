"""History's reads of the Redis recent store: each host's newest samples back to a given time.

The store is a sorted set of encoded samples scored by seq, not by time (agent/sample_writer.py),
so a time is found from the ends: the newest sample says the host's interval, which says how
many samples back a time lies; a read that falls short reads the rest.
"""

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import redis

from agent.sample_writer import samples_to_keep
from core.redis_keys import RedisKeys
from dashboards.history.rollups import Sample

# Hosts read per pipeline: bounds the replies held at once (a minute of 50 hosts is ~7 MB).
HOSTS_PER_READ = 50


@dataclass(frozen=True)
class StoreEnds:
    """What one host's stored samples span: how many, the oldest and newest read times, and
    the interval of the newest."""

    count: int
    oldest_ts: float
    newest_ts: float
    interval: float

    def holds_since(self, recent_s: float) -> float:
        """The earliest time the store keeps for this host: the agent keeps the newest
        ``samples_to_keep`` samples (at least 600), so about that many intervals back."""
        return self.newest_ts - samples_to_keep(self.interval, recent_s) * self.interval

    def is_trimmed(self, recent_s: float) -> bool:
        """Whether older samples have been dropped (the store is at its size)."""
        return self.count >= samples_to_keep(self.interval, recent_s)


def decoded(text: bytes | str) -> tuple[dict, Sample] | None:
    """A stored sample's JSON and its rollup view (its metrics with the summary's headline
    figures); None for an entry that is not a sample (one bad entry costs only itself)."""
    try:
        # str, not bytes: json.loads would sniff the encoding of every sample first.
        sample = json.loads(text.decode() if isinstance(text, bytes) else text)
        metrics = {**sample.get("summary", {}).get("metrics", {}), **sample["metrics"]}
        return sample, Sample(ts=float(sample["ts"]), metrics=metrics)
    except (ValueError, KeyError, TypeError, AttributeError):  # UnicodeDecodeError is a ValueError
        return None


def store_ends(client: redis.Redis, keys: RedisKeys, hosts: list[str]) -> dict[str, StoreEnds]:
    """Each host's StoreEnds, for the hosts that have samples; one round trip."""
    pipe = client.pipeline(transaction=False)
    for host in hosts:
        pipe.zcard(keys.recent(host))
        pipe.zrange(keys.recent(host), 0, 0)
        pipe.zrange(keys.recent(host), -1, -1)
    replies = pipe.execute()
    ends = {}
    for index, host in enumerate(hosts):
        count, oldest, newest = replies[3 * index : 3 * index + 3]
        first = decoded(oldest[0]) if oldest else None
        last = decoded(newest[0]) if newest else None
        if first and last:
            interval = float(last[0].get("interval") or 1.0)
            ends[host] = StoreEnds(count, first[1].ts, last[1].ts, max(interval, 0.01))
    return ends


def samples_since(
    client: redis.Redis, keys: RedisKeys, since: dict[str, float], ends: dict[str, StoreEnds]
) -> Iterator[tuple[str, list[Sample]]]:
    """(host, its samples read at or after ``since[host]``, oldest first), host by host. A host
    whose store starts later gives what it holds."""
    for chunk in _chunks(list(since), HOSTS_PER_READ):
        wanted = {host: _estimate(since[host], ends[host]) for host in chunk}
        found = _read_newest(client, keys, wanted)
        short = {
            host: ends[host].count
            for host, samples in found.items()
            if len(samples) < ends[host].count and (not samples or samples[0].ts > since[host])
        }
        found.update(_read_newest(client, keys, short))
        for host in chunk:
            yield host, [s for s in found[host] if s.ts >= since[host]]


def _estimate(since: float, ends: StoreEnds) -> int:
    """How many of the newest samples reach back to ``since``, with some to spare."""
    if since <= ends.oldest_ts:
        return ends.count
    return min(ends.count, math.ceil((ends.newest_ts - since) / ends.interval * 1.1) + 3)


def _read_newest(client: redis.Redis, keys: RedisKeys, counts: dict[str, int]):
    pipe = client.pipeline(transaction=False)
    for host, count in counts.items():
        pipe.zrange(keys.recent(host), -count, -1)
    found = {}
    for host, texts in zip(counts, pipe.execute() if counts else [], strict=True):
        samples = [sample for _, sample in filter(None, map(decoded, texts))]
        found[host] = sorted(samples, key=lambda sample: sample.ts)
    return found


def _chunks(items: list, size: int) -> Iterable[list]:
    for begin in range(0, len(items), size):
        yield items[begin : begin + size]
