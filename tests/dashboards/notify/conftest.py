"""A small cast for the notification tests: contact points, routes, and alerts written the way
the evaluator writes them (the alert row, then its event), on a clock the test holds."""

from datetime import UTC, datetime, timedelta

import pytest

from dashboards.alerts.models import Alert, AlertEvent, fingerprint
from dashboards.notify.models import ContactPoint, Route

T0 = datetime(2026, 1, 5, 12, 0, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


class Alerts:
    """Alerts as the evaluator and the responders change them: each change is an event."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def fire(self, rule="cpu-high", host="db1", severity="critical", labels=None, **extra) -> Alert:
        now = self.clock.now
        alert = Alert.objects.create(
            fingerprint=fingerprint(rule, host, labels or {}), rule=rule, host=host,
            labels=labels or {}, state="firing", severity=severity, value=99.0,
            summary=f"{rule} on {host}", started_at=now, fired_at=now, updated_at=now, **extra,
        )  # fmt: skip
        self.event(alert, "fired")
        return alert

    def change(self, alert: Alert, event: str, **fields) -> Alert:
        for key, value in fields.items():
            setattr(alert, key, value)
        alert.updated_at = self.clock.now
        alert.save()
        self.event(alert, event)
        return alert

    def resolve(self, alert: Alert) -> Alert:
        return self.change(alert, "resolved", state="resolved", resolved_at=self.clock.now)

    def event(self, alert: Alert, event: str) -> None:
        made = AlertEvent.objects.create(
            alert=alert, event=event, at=self.clock.now, state=alert.state,
            severity=alert.severity, value=alert.value,
        )  # fmt: skip
        alert.version = made.id
        alert.save(update_fields=["version"])


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def alerts(clock) -> Alerts:
    return Alerts(clock)


def contact_point(name="hook", kind="webhook", send_resolved=True, **settings) -> ContactPoint:
    settings = settings or {"url": "http://127.0.0.1:9/hook"}
    return ContactPoint.objects.create(
        name=name, kind=kind, send_resolved=send_resolved, settings=settings
    )


def route(name, *targets, position=1, default=False, **fields) -> Route:
    timing = {"group_wait": "30s", "group_interval": "5m", "repeat_interval": "4h"}
    made = Route.objects.create(
        name=name, position=position, is_default=default, **{**timing, **fields}
    )
    made.contact_points.set(targets)
    return made
