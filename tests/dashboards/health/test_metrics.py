"""/metrics and the stream's self-measurement, over a real Redis."""

import json
import time

import pytest
import redis

from core.redis_keys import RedisKeys
from dashboards.stream.stats import REPORT_TTL_S, StatsReporter, StreamStats, read_all
from tests.dashboards.stream.streaming import make_publisher, publish

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("live_settings")]


def test_a_snapshot_gives_rates_since_the_previous_one_and_resets_the_worst_age():
    stats = StreamStats()
    reporter = StatsReporter(client=None, keys=RedisKeys("x"), stats=stats)
    stats.clients = 3
    for _ in range(10):
        stats.sent(2, ts=time.time() - 0.25)
    snapshot = reporter.snapshot()
    assert (snapshot["clients"], snapshot["frames_total"], snapshot["samples_total"]) == (3, 10, 20)
    assert snapshot["frames_per_s"] > 0
    assert 0.25 <= snapshot["oldest_sample_age_at_send_s"] < 5
    assert reporter.snapshot()["oldest_sample_age_at_send_s"] == 0


def test_processes_that_stopped_reporting_are_left_out(live_settings):
    client = redis.Redis.from_url(live_settings.REDIS_URL)
    keys = RedisKeys(live_settings.MONITOR_REDIS_PREFIX)
    fresh = {"process": "a:1", "reported_at": time.time()}
    stale = {"process": "b:2", "reported_at": time.time() - REPORT_TTL_S - 1}
    client.hset(keys.stream_stats, mapping={"a:1": json.dumps(fresh), "b:2": json.dumps(stale)})
    assert [s["process"] for s in read_all(client, keys)] == ["a:1"]
    assert client.hkeys(keys.stream_stats) == [b"a:1"]


async def test_metrics_show_the_stream_and_every_hosts_newest_sample(client, live_settings):
    from asgiref.sync import sync_to_async

    from core.redis_clients import async_redis_client as async_client
    from dashboards.stream.stats import STATS, StatsReporter

    await publish(make_publisher("alpha"), 2)
    STATS.clients += 1
    try:
        keys = RedisKeys(live_settings.MONITOR_REDIS_PREFIX)
        await StatsReporter(async_client(live_settings.REDIS_URL), keys).report()
    finally:
        STATS.clients -= 1
    response = await sync_to_async(client.get)("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.content.decode()
    assert 'monitor_sample{host="alpha",metric="cpu.percent"} 12.5' in text
    assert 'monitor_sample{host="alpha",metric="mem.total_bytes"} 1024' in text
    assert "# TYPE monitor_stream_clients gauge" in text
    assert 'monitor_stream_clients{process="' in text
    assert 'monitor_host_last_sample_age_seconds{host="alpha"}' in text


def test_metrics_answer_503_when_redis_is_dead(client, settings, tmp_path):
    settings.REDIS_URL = f"unix://{tmp_path}/nobody-listens.sock"
    response = client.get("/metrics")
    assert response.status_code == 503
    assert response.content.startswith(b"# redis unavailable")
