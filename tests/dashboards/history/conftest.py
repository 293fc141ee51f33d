"""History's tests: a real Redis under this test's own prefix, samples put in the recent store
through the agents' own append, and the database pytest-django gives (SQLite, or PostgreSQL
when DATABASE_URL says so: test_on_postgresql.py runs this folder there)."""

import json
from pathlib import Path

import pytest
import redis

from agent.sample_writer import SampleWriter, samples_to_keep
from core.redis_keys import RedisKeys

RECORDED = Path(__file__).parent / "fixtures" / "recorded_samples.jsonl"
# A start of a minute and of an hour, far from any real clock of the test run.
T0 = 1_800_000_000


def recorded_texts() -> list[dict]:
    """150 samples of a real machine, one a second, as the agent encoded them."""
    return [json.loads(line) for line in RECORDED.read_text().splitlines()]


class Store:
    """The recent store of this test: puts samples in it as an agent would."""

    def __init__(self, client: redis.Redis, keys: RedisKeys) -> None:
        self.client, self.keys = client, keys
        self._writers: dict[str, SampleWriter] = {}

    def publish(self, host: str, times: list[float], keep_s: float = 600, interval=1.0) -> None:
        """One sample per time, its figures those of the recorded samples in turn."""
        keep = samples_to_keep(interval, keep_s)
        writer = self._writers.setdefault(host, SampleWriter(self.client, self.keys, host, keep))
        texts = recorded_texts()
        for n, ts in enumerate(times):
            stamp = writer.next_stamp()
            sample = {**texts[n % len(texts)], "host": host, "seq": stamp.seq, "ts": ts,
                      "interval": interval}  # fmt: skip
            writer.append(stamp, json.dumps(sample), "{}")


@pytest.fixture
def store(live_settings, test_redis) -> Store:
    client = redis.Redis.from_url(test_redis.url)
    keys = RedisKeys(live_settings.MONITOR_REDIS_PREFIX)
    yield Store(client, keys)
    client.delete(*(client.keys(f"{keys.prefix}:*") or [b"none"]))
