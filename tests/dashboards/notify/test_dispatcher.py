"""The dispatcher on a real database and a clock the test holds: group_wait, group_interval and
repeat_interval as Alertmanager means them, a tick run twice queuing nothing twice, and the rules
for acknowledged, silenced and suppressed alerts."""

from datetime import timedelta

import pytest
from django.db import DataError

from dashboards.alerts.models import Silence
from dashboards.notify import dispatcher
from dashboards.notify.dispatcher import SETTLE_S, dispatch, settled
from dashboards.notify.models import GroupState, Notification
from tests.dashboards.notify.conftest import T0, contact_point, route

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook():
    target = contact_point()
    route("everything", target, default=True)
    return target


def told(status=None):
    """What was sent so far: (payload status, [(alert id, alert status)]) per notification."""
    found = []
    for n in Notification.objects.order_by("id"):
        alerts = [(int(a["generatorURL"].rstrip("/").rsplit("/", 1)[1]), a["status"])
                  for a in n.payload["alerts"]]  # fmt: skip
        found.append((n.payload["status"], alerts))
    return found


def test_a_group_waits_group_wait_then_tells_everything_it_gathered_at_once(hook, alerts, clock):
    first = alerts.fire(host="db1", rule="cpu-high")
    assert dispatch(clock.now) == [] and told() == []
    clock.advance(10)
    second = alerts.fire(host="db1", rule="cpu-high", labels={"n": "2"})
    dispatch(clock.now)
    assert told() == []
    clock.advance(20)  # 30 s after the first: group_wait is over
    assert len(dispatch(clock.now)) == 1
    assert told() == [("firing", [(first.id, "firing"), (second.id, "firing")])]


def test_a_change_after_the_first_message_waits_for_group_interval(hook, alerts, clock):
    alerts.fire()
    clock.advance(30)
    dispatch(clock.now)
    clock.advance(5)
    late = alerts.fire(labels={"mount": "/var"})
    clock.advance(60)
    dispatch(clock.now)
    assert len(told()) == 1
    clock.advance(300 - 65)  # group_interval after the first flush
    dispatch(clock.now)
    assert len(told()) == 2 and (late.id, "firing") in told()[1][1]


def test_nothing_new_repeats_after_repeat_interval_only(hook, alerts, clock):
    alerts.fire()
    clock.advance(30)
    dispatch(clock.now)
    for _ in range(47):  # every group_interval for 3 h 55 min: nothing new
        clock.advance(300)
        dispatch(clock.now)
    assert len(told()) == 1
    clock.advance(300)
    dispatch(clock.now)
    assert len(told()) == 2 and told()[0] == told()[1]


def test_the_same_tick_run_again_queues_nothing_twice(hook, alerts, clock):
    alerts.fire()
    clock.advance(30)
    assert len(dispatch(clock.now)) == 1
    assert dispatch(clock.now) == []
    # Even with the cursor and the group put back as they were (a crash before the commit
    # cannot half-write, but a restored copy of the database could), the same message is
    # refused by its unique key: the group's decision hashes the same.
    group = GroupState.objects.get()
    group.next_flush_at, group.last_sent_at, group.sequence = clock.now, None, 0
    group.last_firing = []
    group.save()
    dispatch(clock.now)
    assert Notification.objects.count() == 1


def test_a_resolution_is_sent_when_send_resolved_and_the_group_is_forgotten(alerts, clock):
    route("everything", contact_point(send_resolved=True), default=True)
    alert = alerts.fire()
    clock.advance(30)
    dispatch(clock.now)
    clock.advance(60)
    alerts.resolve(alert)
    clock.advance(240)
    dispatch(clock.now)
    assert told()[-1] == ("resolved", [(alert.id, "resolved")])
    assert not GroupState.objects.exists()


def test_without_send_resolved_a_resolution_sends_nothing(alerts, clock):
    route("everything", contact_point(send_resolved=False), default=True)
    alert = alerts.fire()
    clock.advance(30)
    dispatch(clock.now)
    alerts.resolve(alert)
    clock.advance(300)
    dispatch(clock.now)
    assert len(told()) == 1 and not GroupState.objects.exists()


def test_an_acknowledged_alert_is_not_repeated_but_its_resolution_is_sent(hook, alerts, clock):
    alert = alerts.fire()
    clock.advance(30)
    dispatch(clock.now)
    alerts.change(alert, "acked", acked_at=clock.now)
    for _ in range(60):  # five hours
        clock.advance(300)
        dispatch(clock.now)
    assert len(told()) == 1
    alerts.resolve(alert)
    clock.advance(300)
    dispatch(clock.now)
    assert told()[-1] == ("resolved", [(alert.id, "resolved")])


def test_an_escalation_after_an_ack_is_sent_again(hook, alerts, clock):
    alert = alerts.fire(severity="warning")
    clock.advance(30)
    dispatch(clock.now)
    alerts.change(alert, "acked", acked_at=clock.now)
    clock.advance(60)
    # The evaluator clears the acknowledgement when it escalates.
    alerts.change(alert, "escalated", severity="critical", acked_at=None)
    clock.advance(240)
    dispatch(clock.now)
    assert len(told()) == 2
    sent = Notification.objects.order_by("id").last().payload["alerts"][0]
    assert sent["labels"]["severity"] == "critical"


def test_a_silenced_alert_is_never_told_while_silenced(hook, alerts, clock):
    silence = Silence.objects.create(host="db1", starts_at=clock.now, ends_at=clock.now)
    alert = alerts.fire(silenced_by=silence)
    clock.advance(30)
    dispatch(clock.now)
    alerts.resolve(alert)
    clock.advance(300)
    dispatch(clock.now)
    assert told() == []


def test_a_suppressed_alert_is_held_quiet_and_host_down_tells_instead(hook, alerts, clock):
    held = alerts.fire(rule="disk-full")
    alerts.change(held, "suppressed", state="suppressed", held="firing")
    down = alerts.fire(rule="host-down")
    clock.advance(30)
    dispatch(clock.now)
    assert told() == [("firing", [(down.id, "firing")])]


def test_routes_are_tried_in_order_and_continue_goes_on(alerts, clock):
    pager, chat, mail = contact_point("pager"), contact_point("chat"), contact_point("mail")
    route("critical", pager, position=1, match={"severity": ["critical"]}, continue_matching=True)
    route("db", chat, position=2, match={"host": ["db1"]})
    route("never", mail, position=3, match={"host": ["db1"]})
    route("default", mail, default=True)
    alerts.fire(severity="critical", host="db1")
    alerts.fire(severity="warning", host="web1")
    clock.advance(30)
    dispatch(clock.now)
    targets = sorted(Notification.objects.values_list("target", "group_key"))
    assert targets == [
        ("chat", 'db:{alertname="cpu-high",host="db1"}'),
        ("mail", 'default:{alertname="cpu-high",host="web1"}'),
        ("pager", 'critical:{alertname="cpu-high",host="db1"}'),
    ]


def test_a_pending_alert_that_never_fired_is_nobodys_news(hook, alerts, clock):
    alert = alerts.fire()
    alerts.change(alert, "pending", state="pending", fired_at=None)
    clock.advance(30)
    dispatch(clock.now)
    assert told() == []


def test_an_unsilenced_alert_nobody_heard_of_is_told_at_the_next_group_interval(
    hook, alerts, clock
):
    silence = Silence.objects.create(host="db1", starts_at=clock.now, ends_at=clock.now)
    alert = alerts.fire(silenced_by=silence)
    clock.advance(30)
    dispatch(clock.now)
    assert told() == []
    clock.advance(60)
    alerts.change(alert, "unsilenced", silenced_by=None)
    clock.advance(240)  # group_interval after the group's first look
    dispatch(clock.now)
    assert told() == [("firing", [(alert.id, "firing")])]


def test_one_alert_that_cannot_be_routed_does_not_stop_the_others(hook, alerts, clock, monkeypatch):
    bad, good = alerts.fire(rule="bad"), alerts.fire(rule="good")
    real = dispatcher._route_alert

    def route_alert(alert, plans, since):
        if alert.id == bad.id:
            raise DataError("value too long")
        real(alert, plans, since)

    monkeypatch.setattr(dispatcher, "_route_alert", route_alert)
    clock.advance(30)
    dispatch(clock.now)
    assert told() == [("firing", [(good.id, "firing")])]


def test_one_group_that_cannot_be_flushed_does_not_stop_the_others(
    hook, alerts, clock, monkeypatch
):
    alerts.fire(rule="bad")
    good = alerts.fire(rule="good")
    real = dispatcher.flush

    def flush(group, plans, now):
        if "bad" in group.group_key:
            raise DataError("value too long")
        return real(group, plans, now)

    monkeypatch.setattr(dispatcher, "flush", flush)
    clock.advance(30)
    assert len(dispatch(clock.now)) == 1
    assert told() == [("firing", [(good.id, "firing")])]


def test_a_group_key_longer_than_an_index_holds_is_kept_by_its_hash(hook, alerts, clock):
    route("by-every-label", hook, position=1, group_by=["..."])
    alert = alerts.fire(labels={"path": "x" * 3000})
    clock.advance(30)
    dispatch(clock.now)
    sent = Notification.objects.get()
    assert len(sent.payload["groupKey"]) > 3000 and len(sent.group_key) <= 1000
    assert told() == [("firing", [(alert.id, "firing")])]


def test_the_cursor_waits_at_a_gap_by_the_dispatchers_own_clock_not_the_events():
    t0 = T0
    # A gap at 3: events 4 and 5 are read again until SETTLE_S after the gap was first seen,
    # however old their own time says they are.
    assert settled(2, None, [4, 5], t0) == (2, t0)
    assert settled(2, t0, [4, 5], t0 + timedelta(seconds=SETTLE_S - 1)) == (2, t0)
    assert settled(2, t0, [3, 4, 5], t0 + timedelta(seconds=1)) == (5, None)  # it came
    assert settled(2, t0, [4, 5, 7], t0 + timedelta(seconds=SETTLE_S)) == (5, t0 + timedelta(
        seconds=SETTLE_S))  # fmt: skip


def test_old_history_is_deleted_at_most_once_an_hour(hook, alerts, clock, settings):
    settings.MONITOR_NOTIFY_RETENTION_DAYS = 30
    alert = alerts.fire()
    clock.advance(30)
    dispatch(clock.now)
    alerts.resolve(alert)
    clock.advance(300)
    dispatch(clock.now)
    Notification.objects.update(status="delivered")
    assert Notification.objects.count() == 2
    clock.advance(30 * 86400 - 330)
    dispatch(clock.now)
    assert Notification.objects.count() == 2  # 30 days old, not more
    clock.advance(3600)
    dispatch(clock.now)
    assert not Notification.objects.exists()
    fresh = alerts.fire(rule="fresh")
    clock.advance(30)
    dispatch(clock.now)
    Notification.objects.filter(alerts=fresh).update(status="failed", created_at=T0)
    clock.advance(600)
    dispatch(clock.now)
    assert Notification.objects.filter(alerts=fresh).exists()  # pruned 11 minutes ago
