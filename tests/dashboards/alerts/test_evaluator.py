"""The evaluator's tick on a real database and a real Redis (its own key prefix): what it reads,
what it writes first, what it mirrors and pushes, how it treats late, down and silenced hosts."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.db import OperationalError
from django.utils import timezone

from core.layer import LayerPublisher
from core.redis_clients import redis_client
from core.redis_keys import redis_keys
from dashboards.alerts import responses
from dashboards.alerts.evaluator import AlertEvaluator
from dashboards.alerts.mirror import ALERTS_GROUP
from dashboards.alerts.models import Alert, AlertEvent, AlertRule, Silence

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(live_settings):
    """A Redis with two hosts' records and samples, and an evaluator listening to its pushes."""
    client = redis_client(live_settings.REDIS_URL)
    keys = redis_keys(live_settings.MONITOR_REDIS_PREFIX)
    AlertRule.objects.all().delete()
    pubsub = client.pubsub()
    pubsub.subscribe(LayerPublisher(keys.layer_prefix).channel(ALERTS_GROUP))
    pubsub.get_message(timeout=1)
    world = World(client, keys, pubsub)
    yield world
    pubsub.close()
    client.delete(*(client.keys(f"{keys.prefix}:*") or [b"none"]))


class World:
    def __init__(self, client, keys, pubsub) -> None:
        self.client, self.keys, self.pubsub = client, keys, pubsub
        self.evaluator = AlertEvaluator(client, keys, LayerPublisher(keys.layer_prefix))
        self.seq = 0

    def host(self, name: str, status: str = "up", labels=None, **metrics) -> None:
        record = {"name": name, "status": status, "labels": labels or {}}
        self.client.hset(self.keys.fleet, name, json.dumps(record))
        if metrics:
            self.seq += 1
            sample = {"host": name, "seq": self.seq, "ts": 1.0, "metrics": metrics,
                      "top": [{"pid": 7, "name": "burner", "cpu_percent": 99.0}]}  # fmt: skip
            self.client.zadd(self.keys.recent(name), {json.dumps(sample): self.seq})

    def pushed(self) -> list[dict]:
        """The frames the tick pushed to every screen, in order."""
        import msgpack

        frames = []
        while message := self.pubsub.get_message(timeout=0.2):
            if message["type"] == "message":
                frames.append(json.loads(msgpack.unpackb(message["data"])["text"]))
        return frames

    def mirror(self) -> dict[int, dict]:
        return {int(k): json.loads(v) for k, v in self.client.hgetall(self.keys.alerts).items()}


def rule(**fields) -> AlertRule:
    data = {"name": "cpu", "metric": "cpu.percent", "warning": 85, "critical": 95, **fields}
    made = AlertRule.from_definition(data)
    made.full_clean()
    made.save()
    return made


def test_a_firing_is_written_with_its_event_then_mirrored_and_pushed(world):
    rule()
    world.host("db1", **{"cpu.percent": 99.0})
    world.evaluator.tick()
    alert = Alert.objects.get()
    assert (alert.state, alert.severity, alert.value) == ("firing", "critical", 99.0)
    assert alert.top == [{"pid": 7, "name": "burner", "cpu_percent": 99.0}]
    assert [e.event for e in alert.events.all()] == ["fired"]
    assert alert.version == alert.events.get().id
    [frame] = world.pushed()
    assert frame["type"] == "alert" and frame["event"] == "fired"
    assert frame["alert"]["id"] == alert.id and frame["alert"]["version"] == alert.version
    assert world.mirror()[alert.id] == frame["alert"]
    assert int(world.client.get(world.keys.alerts_version)) == alert.version
    world.evaluator.tick()  # the same problem, still there: nothing new to say
    assert world.pushed() == [] and Alert.objects.count() == 1


def test_a_pattern_rule_gives_one_alert_per_mount_labelled_by_it(world):
    rule(name="disk", metric="disk.*.used_percent", summary="{label.mount} {value}% on {host}")
    world.host("db1", **{"disk./.used_percent": 97.0, "disk./var.used_percent": 40.0,
                         "disk./data.used_percent": 90.0})  # fmt: skip
    world.evaluator.tick()
    found = {a.labels["mount"]: (a.severity, a.summary) for a in Alert.objects.all()}
    assert found == {"/": ("critical", "/ 97% on db1"), "/data": ("warning", "/data 90% on db1")}


def test_hosts_are_chosen_by_name_or_label(world):
    rule(hosts={"env": "prod"})
    world.host("db1", labels={"env": "prod"}, **{"cpu.percent": 99.0})
    world.host("dev1", labels={"env": "dev"}, **{"cpu.percent": 99.0})
    world.evaluator.tick()
    assert list(Alert.objects.values_list("host", flat=True)) == ["db1"]


def test_a_late_host_gives_no_data_and_each_rule_says_what_that_means(world):
    rule(name="keep")
    rule(name="loud", nodata="alert", warning=None)
    world.host("db1", **{"cpu.percent": 99.0})
    world.evaluator.tick()
    world.host("db1", status="late")
    world.evaluator.tick()
    states = {a.rule: (a.state, a.value) for a in Alert.objects.all()}
    assert states["keep"] == ("firing", 99.0)  # kept as it was
    assert states["loud"][0] == "firing"


def test_a_down_host_fires_host_down_and_holds_the_rest_until_it_is_back(world):
    rule()
    AlertRule.from_definition(
        {"name": "host-down", "metric": "host.up", "op": "<", "critical": 1}
    ).save()
    world.host("db1", **{"cpu.percent": 99.0})
    world.evaluator.tick()
    world.pushed()
    world.host("db1", status="down")
    world.evaluator.tick()
    assert [(f["event"], f["alert"]["rule"]) for f in world.pushed()] == [
        ("fired", "host-down"), ("suppressed", "cpu"),
    ]  # fmt: skip
    cpu = Alert.objects.get(rule="cpu")
    assert (cpu.state, cpu.held, cpu.resolved_at) == ("suppressed", "firing", None)
    world.evaluator.tick()
    assert world.pushed() == []  # held: neither resolved nor fired anew
    world.host("db1", **{"cpu.percent": 99.0})
    world.evaluator.tick()
    assert sorted((f["event"], f["alert"]["rule"]) for f in world.pushed()) == [
        ("resolved", "host-down"), ("resumed", "cpu"),
    ]  # fmt: skip
    assert Alert.objects.get(rule="cpu").id == cpu.id  # the same alert, not a new one


def test_a_silence_mutes_without_hiding_and_its_end_makes_it_loud_again(world):
    rule()
    world.host("db1", **{"cpu.percent": 99.0})
    world.evaluator.tick()
    world.pushed()
    now = timezone.now()
    silence = Silence.objects.create(host="db1", starts_at=now, ends_at=now + timedelta(hours=1))
    world.evaluator.tick()
    [frame] = world.pushed()
    assert frame["event"] == "silenced" and frame["alert"]["silenced"] is True
    assert frame["alert"]["state"] == "firing"  # still shown, only quiet
    silence.ends_at = timezone.now()
    silence.save()
    world.evaluator.tick()
    [frame] = world.pushed()
    assert frame["event"] == "unsilenced" and frame["alert"]["silenced"] is False


def test_a_removed_rule_resolves_its_alerts(world):
    made = rule()
    world.host("db1", **{"cpu.percent": 99.0})
    world.evaluator.tick()
    made.delete()
    world.evaluator.tick()
    alert = Alert.objects.get()
    assert alert.state == "resolved"
    assert alert.events.last().detail["why"] == "its rule or host is no longer evaluated"


def test_a_restarted_evaluator_carries_on_with_the_same_alerts(world):
    rule(**{"for": "0s"})
    world.host("db1", **{"cpu.percent": 99.0})
    world.evaluator.tick()
    world.pushed()
    again = AlertEvaluator(world.client, world.keys, LayerPublisher(world.keys.layer_prefix))
    again.tick()
    assert world.pushed() == [] and Alert.objects.count() == 1


def test_a_mirror_lost_with_redis_is_rewritten_from_the_database(world):
    rule()
    world.host("db1", **{"cpu.percent": 99.0})
    world.evaluator.tick()
    world.client.delete(world.keys.alerts, world.keys.alerts_version)
    world.evaluator.tick()
    alert = Alert.objects.get()
    assert world.mirror()[alert.id]["version"] == alert.version
    assert int(world.client.get(world.keys.alerts_version)) == alert.version


def test_an_escalation_clears_the_acknowledgement(world):
    rule()
    responder = User.objects.create_user("r", password="x")
    # (a transactional test starts from empty tables: the migration's groups are gone)
    responder.groups.add(Group.objects.get_or_create(name="responder")[0])
    world.host("db1", **{"cpu.percent": 90.0})
    world.evaluator.tick()
    alert = Alert.objects.get()
    responses.acknowledge(responder, alert.id, "looking")
    world.pushed()
    world.host("db1", **{"cpu.percent": 99.0})
    world.evaluator.tick()
    [frame] = world.pushed()
    assert frame["event"] == "escalated" and frame["alert"]["ack"] is None
    assert alert.events.get(event="escalated").detail["ack_cleared"] == "r"


def test_a_bad_rule_in_the_database_is_skipped_never_fatal(world, caplog):
    rule()
    AlertRule.objects.create(name="broken", metric="no.such.metric", warning=1)
    world.host("db1", **{"cpu.percent": 99.0})
    world.evaluator.tick()
    assert list(Alert.objects.values_list("rule", flat=True)) == ["cpu"]
    assert "rule 'broken', metric" in caplog.text


def test_a_tick_whose_transaction_fails_is_forgotten_and_done_again(world, monkeypatch):
    """The database refuses mid-tick (locked, gone): nothing is remembered or pushed, and the
    next tick writes every alert once."""
    rule(name="disk", metric="disk.*.used_percent")
    world.host("db1", **{"disk./.used_percent": 97.0, "disk./var.used_percent": 96.0})
    real_create = AlertEvent.objects.create
    calls = []

    def second_fails(**fields):
        calls.append(fields)
        if len(calls) == 2:
            raise OperationalError("database is locked")
        return real_create(**fields)

    monkeypatch.setattr(AlertEvent.objects, "create", second_fails)
    with pytest.raises(OperationalError):
        world.evaluator.tick()
    assert Alert.objects.count() == 0 and world.evaluator.instances == {}
    assert world.pushed() == [] and world.mirror() == {}
    monkeypatch.setattr(AlertEvent.objects, "create", real_create)
    world.evaluator.tick()
    assert Alert.objects.count() == 2 and len(world.pushed()) == 2


def test_a_resolved_alert_leaves_the_mirror_after_its_tombstone_time(world):
    made = rule()
    world.host("db1", **{"cpu.percent": 99.0})
    world.evaluator.tick()
    made.delete()
    world.evaluator.tick()
    [gone] = world.mirror().values()
    assert gone["state"] == "resolved"  # kept a while: a late older write cannot revive it
    world.evaluator.mirror.purge(gone["resolved_at"] + 121)
    assert world.mirror() == {}
