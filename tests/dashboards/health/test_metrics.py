"""/metrics and the stream's self-measurement, over a real Redis."""

import json
import re
import time
from pathlib import Path

import pytest
import redis
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from collectors.exposition import UNDECLARED, sample_families
from collectors.host import HostSampler, Reading
from core.redis_keys import RedisKeys
from dashboards.stream.stats import REPORT_TTL_S, StatsReporter, StreamStats, read_all
from tests.dashboards.stream.streaming import make_publisher, publish

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("live_settings")]


def store(live_settings, host: str, metrics: dict) -> None:
    """``host``'s newest sample holds ``metrics``, stored as an agent stores it."""
    make_publisher(host).publish(Reading(ts=time.time(), metrics=metrics, top=[]))


def parse(response) -> dict:
    assert response.status_code == 200
    return {f.name: f for f in text_string_to_metric_families(response.content.decode())}


def samples(families: dict, name: str) -> dict[tuple, float]:
    """The family's series: sorted label pairs -> value."""
    return {tuple(sorted(s.labels.items())): s.value for s in families[name].samples}


def value(families: dict, name: str, **labels: str) -> float:
    return samples(families, name)[tuple(sorted(labels.items()))]


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
    assert response["Content-Type"] == CONTENT_TYPE_LATEST
    families = parse(response)
    assert value(families, "monitor_cpu_percent", host="alpha") == 12.5
    assert value(families, "node_memory_MemTotal_bytes", host="alpha") == 1024
    assert families["monitor_stream_clients"].type == "gauge"
    assert families["monitor_stream_frames"].type == "counter"
    assert [s.name for s in families["monitor_stream_frames"].samples][:1] == [
        "monitor_stream_frames_total"
    ]
    assert {tuple(s.labels) for s in families["monitor_stream_clients"].samples} == {("process",)}
    assert value(families, "monitor_host_last_sample_age_seconds", host="alpha") < 60
    assert "monitor_sample" not in families


def test_each_metric_is_a_family_of_its_own_with_placeholders_as_labels(client, live_settings):
    store(live_settings, "alpha", {
        "cpu.percent": 40.0, "cpu.core.3.percent": 75.0, "load.1m": 0.5, "uptime_s": 3600,
        "mem.available_bytes": 512, "disk./boot.used_percent": 61.5,
        "disk./boot.total_bytes": 2048, "disk.io.read_bytes_per_s": 100.0,
        "net.eth0.rx_bytes_per_s": 1500.0, "temp.coretemp.Core 0.celsius": 48.0,
    })  # fmt: skip
    store(live_settings, "beta", {"cpu.percent": 5.0, "net.wlan.0.tx_bytes_per_s": 7.0})

    families = parse(client.get("/metrics"))

    assert samples(families, "monitor_cpu_percent") == {
        (("host", "alpha"),): 40.0,
        (("host", "beta"),): 5.0,
    }
    assert value(families, "monitor_cpu_core_percent", host="alpha", cpu="3") == 75.0
    assert value(families, "node_load1", host="alpha") == 0.5
    assert value(families, "monitor_uptime_seconds", host="alpha") == 3600
    assert value(families, "node_memory_MemAvailable_bytes", host="alpha") == 512
    assert (
        value(families, "monitor_filesystem_used_percent", host="alpha", mountpoint="/boot") == 61.5
    )
    assert value(families, "node_filesystem_size_bytes", host="alpha", mountpoint="/boot") == 2048
    assert value(families, "monitor_disk_io_read_bytes_per_second", host="alpha") == 100.0
    rx = "monitor_network_receive_bytes_per_second"
    assert value(families, rx, host="alpha", device="eth0") == 1500.0
    tx = "monitor_network_transmit_bytes_per_second"
    assert value(families, tx, host="beta", device="wlan.0") == 7.0
    temperature = "monitor_temperature_celsius"
    assert value(families, temperature, host="alpha", chip="coretemp", sensor="Core 0") == 48.0
    assert all(family.type == "gauge" for name, family in families.items() if "stream" not in name)


def test_a_metric_the_docs_do_not_declare_still_appears_under_its_dotted_name(
    client, live_settings
):
    store(live_settings, "alpha", {"cpu.percent": 1.0, "bench.payload_bytes": 99})

    families = parse(client.get("/metrics"))

    assert value(families, UNDECLARED, host="alpha", metric="bench.payload_bytes") == 99
    assert len(families[UNDECLARED].samples) == 1


def test_a_mount_point_named_io_is_a_filesystem_and_disk_io_stays_disk_io(client, live_settings):
    store(live_settings, "alpha", {"disk.io.used_percent": 3.0, "disk.io.read_ops_per_s": 4.0})

    families = parse(client.get("/metrics"))

    assert value(families, "monitor_filesystem_used_percent", host="alpha", mountpoint="io") == 3
    assert value(families, "monitor_disk_io_read_ops_per_second", host="alpha") == 4


def test_label_values_are_escaped(client, live_settings):
    mount = '/mnt/say "hi"\\back'
    store(live_settings, "alpha", {f"disk.{mount}.used_percent": 12.0, "odd\nname": 1.0})

    response = client.get("/metrics")

    text = response.content.decode()
    assert 'mountpoint="/mnt/say \\"hi\\"\\\\back"' in text
    assert 'metric="odd\\nname"' in text
    families = parse(response)
    assert value(families, "monitor_filesystem_used_percent", host="alpha", mountpoint=mount) == 12
    assert value(families, UNDECLARED, host="alpha", metric="odd\nname") == 1


def test_a_host_whose_newest_sample_is_corrupt_does_not_break_the_page(client, live_settings):
    store(live_settings, "alpha", {"cpu.percent": 20.0})
    client_ = redis.Redis.from_url(live_settings.REDIS_URL)
    keys = RedisKeys(live_settings.MONITOR_REDIS_PREFIX)
    client_.zadd(keys.recent("broken"), {b"{not json\xff": 1})
    client_.zadd(keys.hosts, {"broken": time.time()})
    client_.zadd(keys.recent("listless"), {json.dumps({"metrics": [1, 2]}): 1})
    client_.zadd(keys.hosts, {"listless": time.time()})
    client_.hset(keys.fleet, mapping={
        "alpha": json.dumps({"name": "alpha", "status": "up"}), "bad": "{", "odd": "[]",
    })  # fmt: skip

    response = client.get("/metrics")

    assert response.status_code == 200
    families = parse(response)
    assert samples(families, "monitor_cpu_percent") == {(("host", "alpha"),): 20.0}
    assert value(families, "monitor_host_status", host="alpha", status="up") == 1
    ages = samples(families, "monitor_host_last_sample_age_seconds")
    assert {labels[0][1] for labels in ages} == {"alpha", "broken", "listless"}


def test_the_web_process_own_figures_are_not_exposed(client, live_settings):
    families = parse(client.get("/metrics"))

    assert not [name for name in families if name.startswith(("process_", "python_", "gc_"))]


def test_every_family_a_scrape_shows_is_documented(client, live_settings):
    store(live_settings, "alpha", HostSampler().sample().metrics | {"bench.x": 1})
    doc = (Path(__file__).resolve().parents[3] / "docs" / "metrics.md").read_text()

    families = parse(client.get("/metrics"))

    assert len(families) > 10
    for family in families.values():
        name = family.name + ("_total" if family.type == "counter" else "")
        assert f"`{name}" in doc


def test_every_field_has_a_family_of_its_own_with_a_valid_name():
    names = [family.name for family in sample_families()]

    assert len(names) == len(set(names)) == len(HostSampler.fields())
    assert all(re.fullmatch(r"[a-zA-Z_][a-zA-Z0-9_]*", name) for name in names)
    assert all(name.startswith(("monitor_", "node_")) for name in names)


def test_rates_per_second_never_borrow_node_exporters_counter_names():
    for family in sample_families():
        if family.field.name.endswith("_per_s"):
            assert family.name.startswith("monitor_")
            assert family.name.endswith("_per_second")
            assert not family.name.endswith("_total")


def test_metrics_answer_503_when_redis_is_dead(client, settings, tmp_path):
    settings.REDIS_URL = f"unix://{tmp_path}/nobody-listens.sock"
    response = client.get("/metrics")
    assert response.status_code == 503
    assert response.content.startswith(b"# redis unavailable")
