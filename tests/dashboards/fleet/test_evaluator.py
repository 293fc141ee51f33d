"""The central evaluator over a real Redis and the test database."""

import asyncio
import json

import pytest
import redis
from channels.layers import get_channel_layer
from django.conf import settings

from agent.registration import Registration, agent_record
from core.layer import HOSTS_GROUP, LayerPublisher, host_group
from core.redis_clients import redis_now
from core.redis_keys import RedisKeys
from dashboards.fleet.evaluator import FleetEvaluator
from dashboards.fleet.models import Host, HostStatusChange
from dashboards.fleet.registrations import INSTANCE_EXPIRY_S

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("live_settings")]


@pytest.fixture
def client(live_settings) -> redis.Redis:
    return redis.Redis.from_url(live_settings.REDIS_URL)


@pytest.fixture
def keys(live_settings) -> RedisKeys:
    return RedisKeys(live_settings.MONITOR_REDIS_PREFIX)


@pytest.fixture
def evaluator(client, keys) -> FleetEvaluator:
    layer = LayerPublisher(settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"])
    return FleetEvaluator(client, keys, layer, late_after=2, down_after=5)


def register(client, keys, name: str, machine: str = "m1", **fields) -> Registration:
    record = agent_record(name, {"env": "prod"}, 1.0, "host")
    record.update(machine=machine, **fields)
    registration = Registration(client, keys, record)
    registration.beat()
    return registration


def sampled(client, keys, name: str, seconds_ago: float) -> None:
    client.zadd(keys.hosts, {name: redis_now(client) - seconds_ago})


def dispatched(client, keys) -> set[str]:
    return {name.decode() for name in client.smembers(keys.dispatch)}


def test_a_registration_becomes_a_host_with_its_details(client, keys, evaluator):
    register(client, keys, "alpha", cpu_count=8, os="Linux 6.1")
    evaluator.tick()
    host = Host.objects.get(name="alpha")
    assert (host.cpu_count, host.os, host.labels, host.enabled) == (
        8,
        "Linux 6.1",
        {"env": "prod"},
        True,
    )
    assert host.status == "unknown"  # registered, no sample yet
    assert dispatched(client, keys) == {"alpha"}
    record = json.loads(client.hget(keys.fleet, "alpha"))
    assert record["labels"] == {"env": "prod"} and record["info"]["cpu_count"] == 8


def test_a_host_goes_up_late_down_and_up_again_with_its_history_kept(client, keys, evaluator):
    register(client, keys, "alpha")
    statuses = []
    for seconds_ago in (0.5, 3, 6, 0.2):
        sampled(client, keys, "alpha", seconds_ago)
        evaluator.tick()
        statuses.append(Host.objects.get(name="alpha").status)
    assert statuses == ["up", "late", "down", "up"]
    history = [(c.previous, c.status) for c in HostStatusChange.objects.order_by("at", "id")]
    assert history == [("unknown", "up"), ("up", "late"), ("late", "down"), ("down", "up")]


async def test_status_changes_are_sent_to_the_hosts_subscribers(client, keys, evaluator):
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(host_group("alpha"), channel)
    register(client, keys, "alpha")
    sampled(client, keys, "alpha", 0.1)
    await asyncio.to_thread(evaluator.tick)
    message = await asyncio.wait_for(layer.receive(channel), 5)
    assert message["type"] == "host.event"
    assert {k: message["event"][k] for k in ("event", "host", "status", "previous")} == {
        "event": "status", "host": "alpha", "status": "up", "previous": "unknown",
    }  # fmt: skip


def test_a_disabled_host_is_not_dispatched_and_shows_as_disabled(client, keys, evaluator):
    register(client, keys, "alpha")
    register(client, keys, "beta")
    evaluator.tick()
    Host.objects.filter(name="beta").update(enabled=False)
    evaluator.tick()
    assert dispatched(client, keys) == {"alpha"}
    assert Host.objects.get(name="beta").status == "disabled"


def test_two_machines_claiming_one_name_are_reported(client, keys, evaluator):
    register(client, keys, "alpha", machine="rack1/aaa")
    register(client, keys, "alpha", machine="rack7/bbb")
    evaluator.tick()
    duplicate = Host.objects.get(name="alpha").duplicate
    assert "2 agents on different machines claim this name" in duplicate
    assert "rack1/aaa" in duplicate and "rack7/bbb" in duplicate
    assert json.loads(client.hget(keys.fleet, "alpha"))["duplicate"] is True


def test_an_agent_restarting_on_the_same_machine_is_not_a_duplicate(client, keys, evaluator):
    register(client, keys, "alpha", machine="rack1/aaa")
    register(client, keys, "alpha", machine="rack1/aaa")  # a new instance id, same machine
    evaluator.tick()
    assert Host.objects.get(name="alpha").duplicate == ""


def test_a_killed_agent_is_no_longer_dispatched_once_its_heartbeat_expires(client, keys, evaluator):
    registration = register(client, keys, "alpha")
    evaluator.tick()
    assert dispatched(client, keys) == {"alpha"}
    stale = {**registration.record, "seen": redis_now(client) - INSTANCE_EXPIRY_S - 1}
    client.hset(keys.instances("alpha"), registration.record["instance"], json.dumps(stale))
    evaluator.tick()
    assert dispatched(client, keys) == set()
    assert Host.objects.filter(name="alpha").exists()  # the host stays, shown as down


def test_a_removed_host_stays_removed_until_its_agent_restarts(client, keys, evaluator):
    register(client, keys, "alpha")
    evaluator.tick()
    Host.objects.get(name="alpha").delete()  # as the admin does
    evaluator.tick()
    assert not Host.objects.filter(name="alpha").exists()
    assert client.hget(keys.fleet, "alpha") is None
    assert dispatched(client, keys) == set()

    register(client, keys, "alpha")  # the agent started again: a new instance
    evaluator.tick()
    assert Host.objects.filter(name="alpha").exists()


async def test_a_registered_host_is_announced_before_its_first_sample(client, keys, evaluator):
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(HOSTS_GROUP, channel)
    register(client, keys, "alpha")
    await asyncio.to_thread(evaluator.tick)
    message = await asyncio.wait_for(layer.receive(channel), 5)
    assert message == {"type": "hosts.new", "host": "alpha"}
