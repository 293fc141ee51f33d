"""One delivery attempt of one notification, as a plain function (the Celery task is a thin
wrapper, tasks.py): claim the row, send, record the attempt, decide what comes next.

A notification is claimed with a lease and a token before it is sent, in one UPDATE, so two
workers (or a requeue racing a retry) never send it at the same time, and one already delivered
is never sent again. The send is held to its transport's timeout in all, inside the lease; the
attempt is recorded only under the token, so a worker that outlived its lease cannot write over
the next one's record. A worker that dies mid-send leaves its lease to run out; the dispatcher
then records the attempt as lost and queues it again. Failures are retried with exponential
backoff and jitter until MONITOR_NOTIFY_RETRY_WINDOW_S after the notification was made; then it
has failed. Messages of one group go out in order: an older one is superseded by a newer one,
and a newer one waits while an older one is on its way.
"""

import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections, transaction
from django.utils import timezone

from dashboards.notify.deadline import call_with_deadline
from dashboards.notify.grouping import key_hash
from dashboards.notify.models import DeliveryAttempt, Notification
from dashboards.notify.models import NotificationStatus as Status
from dashboards.notify.payload import body_of, title_of, webhook_payload
from dashboards.notify.transports import Message, TransportError, kind

logger = logging.getLogger(__name__)

LEASE_MARGIN_S = 10.0  # the record's own time, database retries included, fits in it
BACKOFF_CAP_S = 300.0
FALLBACK_TIMEOUT_S = 10.0
# Sleeps between tries of recording an attempt: the message is out, so giving up now means
# the lease runs out and it is sent again.
RECORD_PAUSES_S = (0.2, 0.5, 1.0, 2.0)
SKIPPED, DELIVERED, RETRY, FAILED = "skipped", "delivered", "retry", "failed"


@dataclass(frozen=True)
class Outcome:
    result: str  # skipped | delivered | retry | failed
    retry_in: float | None = None


@dataclass(frozen=True)
class Attempt:
    http_status: int | None = None
    error: str = ""
    permanent: bool = False
    latency_ms: int = 0


def backoff_s(attempts: int, rand=random.random) -> float:
    """The wait after the ``attempts``-th failure: doubling from the first retry, capped, and
    between half and all of that, so receivers coming back are not hit by every sender at once."""
    full = min(BACKOFF_CAP_S, settings.MONITOR_NOTIFY_FIRST_RETRY_S * 2 ** (attempts - 1))
    return full / 2 + rand() * full / 2


def send_timeout_s(contact_point) -> float:
    try:
        return kind(contact_point.kind).timeout_s(contact_point.settings)
    except Exception:  # a stored value the checks never saw: the send itself will say what
        return FALLBACK_TIMEOUT_S


def message_of(notification: Notification) -> Message:
    payload = notification.payload
    return Message(payload, title_of(payload), body_of(payload), notification.key)


def _claim(notification: Notification, now: datetime) -> str | None:
    """The lease's token, or None: not due, held by another worker, done, or not its turn."""
    group = Notification.objects.filter(
        contact_point_id=notification.contact_point_id, group_hash=notification.group_hash
    ).exclude(id=notification.id)
    mine = Notification.objects.filter(id=notification.id, status=Status.PENDING)
    newer = group.filter(id__gt=notification.id).values_list("id", flat=True).first()
    if newer is not None:
        mine.update(status=Status.SUPERSEDED, last_error=f"superseded by notification {newer}")
        return None
    if group.filter(id__lt=notification.id, status=Status.SENDING, lease_until__gte=now).exists():
        # An older message of its group is on its way: this one goes after it, never past it.
        mine.update(queued_at=None)  # the dispatcher's next tick queues it again
        return None
    contact_point = notification.contact_point
    lease = (send_timeout_s(contact_point) if contact_point else 0) + LEASE_MARGIN_S
    token = uuid.uuid4().hex
    claimed = mine.filter(next_attempt_at__lte=now).update(
        status=Status.SENDING, lease_until=now + timedelta(seconds=lease), lease_token=token
    )
    return token if claimed else None


def deliver(notification_id: int, now: datetime | None = None, rand=random.random) -> Outcome:
    """Try to send it once, if it is due and nobody else holds it."""
    now = now or timezone.now()
    notification = (
        Notification.objects.select_related("contact_point").filter(id=notification_id).first()
    )
    token = notification and _claim(notification, now)
    if not token:
        return Outcome(SKIPPED)
    notification.refresh_from_db(fields=["attempts", "status"])
    started = time.monotonic()
    attempt = _send(notification)
    elapsed = time.monotonic() - started
    attempt = Attempt(attempt.http_status, attempt.error, attempt.permanent, round(elapsed * 1000))
    return _record(notification, token, attempt, now + timedelta(seconds=elapsed), rand)


def _send(notification: Notification) -> Attempt:
    contact_point = notification.contact_point
    if contact_point is None or not contact_point.enabled:
        return Attempt(error="its contact point was deleted or disabled", permanent=True)
    timeout = send_timeout_s(contact_point)
    try:
        transport = kind(contact_point.kind)
        status = call_with_deadline(
            transport.send, timeout, contact_point.settings, message_of(notification)
        )
        return Attempt(http_status=status)
    except TransportError as exc:
        return Attempt(exc.http_status, exc.message, exc.permanent)
    except TimeoutError:
        return Attempt(error=f"no answer within {timeout:g} s (the contact point's timeout)")
    except Exception as exc:
        # A bug, or a stored value the checks never saw: retried like a failure, so it ends
        # with the retry window instead of being lost and resent forever. Only the type is
        # kept: the text can quote a secret, and viewers see last_error.
        logger.exception("notification %s to %s failed", notification.id, contact_point.name)
        return Attempt(error=f"{type(exc).__name__} in the notifier (its log has the details)")


def _next_state(notification: Notification, attempt: Attempt, done: datetime, rand):
    """The row's fields after this attempt, and what comes next."""
    attempts = notification.attempts + 1
    fields = {"attempts": attempts, "lease_until": None, "lease_token": ""}
    if not attempt.error:
        return {**fields, "status": Status.DELIVERED, "delivered_at": done}, Outcome(DELIVERED)
    fields["last_error"] = attempt.error
    wait = backoff_s(attempts, rand)
    window_ends = notification.created_at + timedelta(
        seconds=settings.MONITOR_NOTIFY_RETRY_WINDOW_S
    )
    if attempt.permanent or notification.is_test or done + timedelta(seconds=wait) > window_ends:
        return {**fields, "status": Status.FAILED}, Outcome(FAILED)
    retry_at = done + timedelta(seconds=wait)
    # The retry's own message is the one expected; requeued only if it goes missing.
    fields.update(status=Status.PENDING, next_attempt_at=retry_at, queued_at=retry_at)
    return fields, Outcome(RETRY, wait)


def _record(notification, token: str, attempt: Attempt, done: datetime, rand) -> Outcome:
    fields, outcome = _next_state(notification, attempt, done, rand)
    for pause in (*RECORD_PAUSES_S, None):
        try:
            with transaction.atomic():
                held = Notification.objects.filter(
                    id=notification.id, status=Status.SENDING, lease_token=token
                ).update(**fields)
                if held:
                    DeliveryAttempt.objects.create(
                        notification=notification, at=done, status="error" if attempt.error
                        else "ok", http_status=attempt.http_status, error=attempt.error,
                        latency_ms=attempt.latency_ms,
                    )  # fmt: skip
            break
        except DatabaseError:
            if pause is None:
                raise
            logger.warning("notification %s: recording the attempt, retrying", notification.id)
            time.sleep(pause)
            close_old_connections()
    if not held:
        # Its lease ran out during the send: the dispatcher recorded the attempt as lost and
        # it belongs to the next worker now, whose record this must not overwrite.
        logger.warning(
            "notification %s: lease lost during the send, this attempt (%s) is not recorded",
            notification.id, attempt.error or "ok",
        )  # fmt: skip
        return Outcome(SKIPPED)
    return outcome


def send_test(contact_point) -> Notification:
    """A synthetic firing alert group, delivered now through the same path (one attempt, no
    retries); the notification and its attempt are recorded like any other."""
    now = timezone.now()
    external = settings.MONITOR_EXTERNAL_URL
    test_alert = {
        "id": 0, "fingerprint": "0000000000000000", "rule": "test-notification",
        "host": settings.MONITOR_HOST, "labels": {}, "severity": "warning",
        "summary": f"A test notification to {contact_point.name}: it works.",
        "description": "Sent from the admin's or the API's test action.",
        "started_at": now.timestamp(), "fired_at": now.timestamp(), "resolved_at": None,
    }  # fmt: skip
    group_key = f'test:{{contact_point="{contact_point.name}"}}'  # as routing.py writes keys
    payload = webhook_payload(
        [test_alert], receiver=contact_point.name, group_key=group_key,
        group_labels={"alertname": "test-notification"}, external_url=external,
    )  # fmt: skip
    payload["alerts"][0]["generatorURL"] = f"{external}/admin/notify/contactpoint/"
    key = uuid.uuid4().hex
    notification = Notification.objects.create(
        contact_point=contact_point, target=contact_point.name, group_key=group_key,
        group_hash=key_hash(group_key), content_hash=key, key=key, payload=payload,
        is_test=True, created_at=now, event_at=now, next_attempt_at=now, queued_at=now,
    )  # fmt: skip
    deliver(notification.id, now)
    notification.refresh_from_db()
    return notification
