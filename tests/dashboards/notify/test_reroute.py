"""Alerts that change routes: a change of the configuration routes every active alert again,
and an alert that moves to another route or group is told resolved where it was told firing."""

import pytest

from dashboards.notify.dispatcher import dispatch
from dashboards.notify.models import Notification
from tests.dashboards.notify.conftest import contact_point, route

pytestmark = pytest.mark.django_db


def told_to(target: str) -> list[tuple[str, list[str]]]:
    return [
        (n.payload["status"], [a["status"] for a in n.payload["alerts"]])
        for n in Notification.objects.filter(target=target).order_by("id")
    ]


def test_an_alert_firing_before_its_route_existed_is_routed_when_the_route_is_made(alerts, clock):
    alerts.fire()
    dispatch(clock.now)  # no routes yet: nobody to tell
    clock.advance(60)
    route("everything", contact_point("late"), default=True)
    dispatch(clock.now)
    clock.advance(30)  # the new group's group_wait
    dispatch(clock.now)
    assert told_to("late") == [("firing", ["firing"])]


def test_a_route_given_another_contact_point_tells_the_new_one_what_fires(alerts, clock):
    first, second = contact_point("first"), contact_point("second")
    everything = route("everything", first, default=True)
    alerts.fire()
    clock.advance(30)
    dispatch(clock.now)
    everything.contact_points.set([second])
    clock.advance(1)
    dispatch(clock.now)
    clock.advance(30)
    dispatch(clock.now)
    assert told_to("first") == [("firing", ["firing"])]
    assert told_to("second") == [("firing", ["firing"])]


def test_an_escalation_to_another_route_resolves_it_at_the_old_one(alerts, clock):
    chat, pager = contact_point("chat"), contact_point("pager")
    route("warnings", chat, position=1, match={"severity": ["warning"]})
    route("critical", pager, position=2, match={"severity": ["critical"]})
    alert = alerts.fire(severity="warning")
    clock.advance(30)
    dispatch(clock.now)
    alerts.change(alert, "escalated", severity="critical")
    clock.advance(300)  # the old group's group_interval; the new group's group_wait is over
    dispatch(clock.now)
    assert told_to("chat") == [("firing", ["firing"]), ("resolved", ["resolved"])]
    assert told_to("pager") == [("firing", ["firing"])]
    resolved = Notification.objects.filter(target="chat").order_by("id").last()
    assert resolved.payload["alerts"][0]["endsAt"] != "0001-01-01T00:00:00Z"
