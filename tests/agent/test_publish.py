"""The publish step against a real Redis: numbering, storing, trimming, and a dead Redis."""

import json
from unittest import mock

import redis

from agent.publish import Publisher, encode_sample, encode_views
from agent.sample_writer import SEQ_BLOCK, SampleWriter
from collectors.host import Reading
from core.layer import LayerPublisher
from core.redis_clients import redis_now
from core.redis_keys import RedisKeys


def reading() -> Reading:
    return Reading(ts=1764130000.1234567, metrics={"cpu.percent": 5.0}, top=[])


def test_a_sample_is_encoded_once_as_compact_json_with_read_time():
    text = encode_sample("alpha", 7, 1.0, reading())
    assert " " not in text
    assert json.loads(text) == {
        "host": "alpha", "seq": 7, "ts": 1764130000.123, "interval": 1.0,
        "metrics": {"cpu.percent": 5.0}, "top": [],
        "summary": {"metrics": {"cpu.percent": 5.0}, "fullest_mount": None},
    }  # fmt: skip


def test_both_views_carry_the_same_headline_figures_computed_once():
    metrics = {
        "cpu.percent": 5.0, "disk./.used_percent": 40.0, "disk./var.used_percent": 91.5,
        "net.eth0.rx_bytes_per_s": 100.0, "net.eth1.rx_bytes_per_s": 50.0,
        "net.eth0.tx_bytes_per_s": 10.0,
    }  # fmt: skip
    full, summary = encode_views("alpha", 7, 1.0, Reading(ts=1.0, metrics=metrics, top=[]))
    headline = {
        "metrics": {
            "cpu.percent": 5.0, "disk.fullest_used_percent": 91.5,
            "net.rx_bytes_per_s": 150.0, "net.tx_bytes_per_s": 10.0,
        },
        "fullest_mount": "/var",
    }  # fmt: skip
    assert json.loads(full)["summary"] == headline
    assert {key: json.loads(summary)[key] for key in headline} == headline


def test_published_samples_are_numbered_stored_and_trimmed(live_settings):
    client = redis.Redis.from_url(live_settings.REDIS_URL)
    keys = RedisKeys(live_settings.MONITOR_REDIS_PREFIX)
    publisher = Publisher(
        "alpha", 1.0, SampleWriter(client, keys, "alpha", keep=3), LayerPublisher(keys.layer_prefix)
    )
    seqs = [publisher.publish(reading()) for _ in range(5)]
    assert seqs == [1, 2, 3, 4, 5]
    for view in ("full", "summary"):
        stored = client.zrange(keys.recent("alpha", view), 0, -1, withscores=True)
        assert [int(seq) for _, seq in stored] == [3, 4, 5]
        assert [json.loads(text)["seq"] for text, _ in stored] == [3, 4, 5]
    arrived = client.zscore(keys.hosts, "alpha")
    assert abs(arrived - redis_now(client)) < 60  # Redis's clock, not the reading's


def test_a_dead_redis_loses_the_sample_without_raising(live_settings, tmp_path, caplog):
    dead = redis.Redis(unix_socket_path=str(tmp_path / "nobody.sock"), socket_connect_timeout=1)
    writer = SampleWriter(dead, RedisKeys("x"), "alpha", keep=10)
    publisher = Publisher("alpha", 1.0, writer, LayerPublisher("x.layer"))
    assert publisher.publish(reading()) is None
    assert publisher.publish(reading()) is None
    assert caplog.text.count("publishing samples of alpha failed") == 1  # once per outage


def test_a_sample_costs_one_round_trip_once_its_numbers_are_reserved(live_settings):
    client = redis.Redis.from_url(live_settings.REDIS_URL)
    keys = RedisKeys(live_settings.MONITOR_REDIS_PREFIX)
    writer = SampleWriter(client, keys, "alpha", keep=10)
    publisher = Publisher("alpha", 1.0, writer, LayerPublisher(keys.layer_prefix))
    publisher.publish(reading())
    with mock.patch.object(client, "pipeline", side_effect=AssertionError("a second round trip")):
        assert publisher.publish(reading()) == 2


def test_a_restarted_agent_continues_above_what_the_last_one_reserved(live_settings):
    client = redis.Redis.from_url(live_settings.REDIS_URL)
    keys = RedisKeys(live_settings.MONITOR_REDIS_PREFIX)
    layer = LayerPublisher(keys.layer_prefix)
    first = Publisher("alpha", 1.0, SampleWriter(client, keys, "alpha", keep=10), layer)
    assert [first.publish(reading()) for _ in range(3)] == [1, 2, 3]
    again = Publisher("alpha", 1.0, SampleWriter(client, keys, "alpha", keep=10), layer)
    assert again.publish(reading()) == SEQ_BLOCK + 1


def test_a_store_that_started_over_gets_the_sample_under_its_new_epoch(live_settings):
    client = redis.Redis.from_url(live_settings.REDIS_URL)
    keys = RedisKeys(live_settings.MONITOR_REDIS_PREFIX)
    publisher = Publisher(
        "alpha",
        1.0,
        SampleWriter(client, keys, "alpha", keep=10),
        LayerPublisher(keys.layer_prefix),
    )
    publisher.publish(reading())
    old_epoch = client.get(keys.epoch)
    client.delete(keys.epoch, keys.seq("alpha"), keys.recent("alpha"), keys.hosts)  # a new Redis
    assert publisher.publish(reading()) == 1
    new_epoch = client.get(keys.epoch)
    assert new_epoch and new_epoch != old_epoch
    stored = client.zrange(keys.recent("alpha"), 0, -1)
    assert [json.loads(text)["seq"] for text in stored] == [1]
