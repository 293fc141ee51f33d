"""What people do to alerts: acknowledge, un-acknowledge, silence. Plain functions of the
database, run by the web processes (the socket's `ack`/`unack`, the pages' forms); each change is
an event, committed before it is mirrored and pushed like the evaluator's own.

The role is checked here, on the server, whatever the page offered (roles.py).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dashboards.alerts.alertmanager_in import SOURCE as ALERTMANAGER
from dashboards.alerts.mirror import publish_committed, record
from dashboards.alerts.models import Alert, AlertEvent, Silence
from dashboards.alerts.roles import may_respond
from dashboards.alerts.tasks import queue_silence_sync

ACKED, UNACKED = "acked", "unacked"
MAX_COMMENT = 500
MAX_SILENCE = timedelta(days=30)


@dataclass
class Refused(Exception):
    """Why a response was not taken: ``code`` for the socket's error frame, ``message`` for
    people; ``fields`` the refused inputs by name, where there are some (the API shows them)."""

    code: str
    message: str
    fields: dict[str, str] | None = None


def _comment(comment) -> str:
    if comment is None:
        return ""
    if not isinstance(comment, str):
        raise Refused("bad_field", "'comment' must be a text")
    if len(comment) > MAX_COMMENT:
        raise Refused("bad_field", f"'comment' is longer than {MAX_COMMENT} characters")
    return comment.strip()


def _respond(user, alert_id, event: str, change) -> dict:
    if not may_respond(user):
        raise Refused("forbidden", "your role may not respond to alerts (a responder may)")
    if type(alert_id) is not int or alert_id < 1:
        raise Refused("bad_field", "'id' must be an alert id (a positive integer)")
    now = timezone.now()
    with transaction.atomic():
        alert = Alert.objects.select_for_update().filter(id=alert_id).first()
        if alert is None:
            raise Refused("unknown_alert", f"there is no alert {alert_id}")
        if alert.resolved_at is not None:
            raise Refused("alert_resolved", f"alert {alert_id} is resolved already")
        comment = change(alert, now)
        alert.updated_at = now
        alert.save()
        entry = AlertEvent.objects.create(
            alert=alert, event=event, at=now, state=alert.state, severity=alert.severity,
            value=alert.value, by=user, comment=comment,
        )  # fmt: skip
        alert.version = entry.id
        alert.save(update_fields=["version"])
        if alert.source == ALERTMANAGER and settings.MONITOR_ALERTMANAGER_URL:
            # Silenced (or no longer) in Alertmanager by the notifier, never in the ack's way.
            transaction.on_commit(lambda: queue_silence_sync(alert.id))
    published = record(alert)
    publish_committed([(event, published)])
    return published


def acknowledge(user, alert_id, comment=None) -> dict:
    """Someone has taken it: every screen shows who, when, why, and stops its sound."""
    text = _comment(comment)

    def ack(alert: Alert, now) -> str:
        if alert.acked_at is not None:
            raise Refused("already_acked", f"alert {alert.id} is acknowledged already")
        alert.acked_by, alert.acked_at, alert.ack_comment = user, now, text
        return text

    return _respond(user, alert_id, ACKED, ack)


def unacknowledge(user, alert_id) -> dict:
    def unack(alert: Alert, now) -> str:
        if alert.acked_at is None:
            raise Refused("not_acked", f"alert {alert.id} is not acknowledged")
        alert.acked_by, alert.acked_at, alert.ack_comment = None, None, ""
        return ""

    return _respond(user, alert_id, UNACKED, unack)


def silence(user, *, host="", rule="", labels=None, duration: timedelta, comment="") -> Silence:
    """Quiet what matches from now for ``duration``; the evaluator marks the alerts at its next
    tick (it is told at once through Redis)."""
    if not may_respond(user):
        raise Refused("forbidden", "your role may not silence alerts (a responder may)")
    if not timedelta(minutes=1) <= duration <= MAX_SILENCE:
        raise Refused("bad_field", "a silence lasts from 1 minute to 30 days")
    now = timezone.now()
    created = Silence(
        host=host or "", rule=rule or "", labels=labels or {}, starts_at=now,
        ends_at=now + duration, comment=_comment(comment), created_by=user,
    )  # fmt: skip
    try:
        created.full_clean(exclude=["created_by"])
    except Exception as exc:  # ValidationError: its messages, in one line
        raise Refused("bad_field", "; ".join(getattr(exc, "messages", [str(exc)]))) from None
    created.save()
    return created


def expire(user, silence_id: int) -> Silence:
    if not may_respond(user):
        raise Refused("forbidden", "your role may not change silences (a responder may)")
    found = Silence.objects.filter(id=silence_id).first()
    if found is None:
        raise Refused("unknown_silence", f"there is no silence {silence_id}")
    now = timezone.now()
    if found.ends_at > now:
        found.ends_at = max(now, found.starts_at)
        found.save(update_fields=["ends_at"])  # post_save tells the evaluator
    return found
