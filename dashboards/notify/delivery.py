"""One delivery attempt of one notification, as a plain function (the Celery task is a thin
wrapper, tasks.py): claim the row, send, record the attempt, decide what comes next.

A notification is claimed with a lease before it is sent, in one UPDATE, so two workers (or a
requeue racing a retry) never send it at the same time, and one already delivered is never sent
again. A worker that dies mid-send leaves its lease to run out; the dispatcher then records the
attempt as lost and queues it again. Failures are retried with exponential backoff and jitter
until MONITOR_NOTIFY_RETRY_WINDOW_S after the notification was made; then it has failed.
"""

import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dashboards.notify.fields import duration
from dashboards.notify.models import (
    ContactPoint,
    DeliveryAttempt,
    Notification,
    NotificationStatus,
)
from dashboards.notify.payload import body_of, title_of, webhook_payload
from dashboards.notify.transports import Message, TransportError, kind

LEASE_MARGIN_S = 10.0
BACKOFF_CAP_S = 300.0
DEFAULT_TIMEOUT_S = 10.0
SKIPPED, DELIVERED, RETRY, FAILED = "skipped", "delivered", "retry", "failed"


@dataclass(frozen=True)
class Outcome:
    result: str  # skipped | delivered | retry | failed
    retry_in: float | None = None


def backoff_s(attempts: int, rand=random.random) -> float:
    """The wait after the ``attempts``-th failure: doubling from the first retry, capped, and
    between half and all of that, so receivers coming back are not hit by every sender at once."""
    full = min(BACKOFF_CAP_S, settings.MONITOR_NOTIFY_FIRST_RETRY_S * 2 ** (attempts - 1))
    return full / 2 + rand() * full / 2


def _timeout_s(contact_point: ContactPoint) -> float:
    if contact_point.kind == "email":
        return float(settings.EMAIL_TIMEOUT)
    item = f"contact point {contact_point.name!r}"
    return duration(contact_point.settings.get("timeout", DEFAULT_TIMEOUT_S), item, "timeout")


def message_of(notification: Notification) -> Message:
    payload = notification.payload
    return Message(payload, title_of(payload), body_of(payload), notification.key)


def _claim(notification: Notification, now: datetime) -> bool:
    contact_point = notification.contact_point
    lease = (_timeout_s(contact_point) if contact_point else 0) + LEASE_MARGIN_S
    return bool(
        Notification.objects.filter(
            id=notification.id, status=NotificationStatus.PENDING, next_attempt_at__lte=now
        ).update(status=NotificationStatus.SENDING, lease_until=now + timedelta(seconds=lease))
    )


def deliver(notification_id: int, now: datetime | None = None, rand=random.random) -> Outcome:
    """Try to send it once, if it is due and nobody else holds it."""
    now = now or timezone.now()
    notification = (
        Notification.objects.select_related("contact_point").filter(id=notification_id).first()
    )
    if notification is None or not _claim(notification, now):
        return Outcome(SKIPPED)  # delivered, failed, held by another worker, or not due yet
    contact_point = notification.contact_point
    started = time.monotonic()
    http_status, error, permanent = None, "", False
    if contact_point is None or not contact_point.enabled:
        error, permanent = "its contact point was deleted or disabled", True
    else:
        try:
            http_status = kind(contact_point.kind).send(
                contact_point.settings, message_of(notification)
            )
        except TransportError as exc:
            http_status, error, permanent = exc.http_status, exc.message, exc.permanent
    latency_ms = round((time.monotonic() - started) * 1000)
    return _record(notification, http_status, error, permanent, latency_ms, rand)


def _record(notification, http_status, error, permanent, latency_ms, rand) -> Outcome:
    done = timezone.now()
    notification.attempts += 1
    outcome = Outcome(DELIVERED)
    if not error:
        notification.status, notification.delivered_at = NotificationStatus.DELIVERED, done
    else:
        notification.last_error = error
        wait = backoff_s(notification.attempts, rand)
        window_ends = notification.created_at + timedelta(
            seconds=settings.MONITOR_NOTIFY_RETRY_WINDOW_S
        )
        if permanent or notification.is_test or done + timedelta(seconds=wait) > window_ends:
            notification.status, outcome = NotificationStatus.FAILED, Outcome(FAILED)
        else:
            notification.status = NotificationStatus.PENDING
            notification.next_attempt_at = done + timedelta(seconds=wait)
            # The retry's own message is the one expected; requeued only if it goes missing.
            notification.queued_at = notification.next_attempt_at
            outcome = Outcome(RETRY, wait)
    notification.lease_until = None
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            notification=notification, at=done, status="error" if error else "ok",
            http_status=http_status, error=error, latency_ms=latency_ms,
        )  # fmt: skip
        notification.save()
    return outcome


def send_test(contact_point: ContactPoint) -> Notification:
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
    group_key = f"test:{{contact_point={contact_point.name!r}}}"
    payload = webhook_payload(
        [test_alert], receiver=contact_point.name, group_key=group_key,
        group_labels={"alertname": "test-notification"}, external_url=external,
    )  # fmt: skip
    payload["alerts"][0]["generatorURL"] = f"{external}/admin/notify/contactpoint/"
    key = uuid.uuid4().hex
    notification = Notification.objects.create(
        contact_point=contact_point, target=contact_point.name, group_key=group_key,
        content_hash=key, key=key, payload=payload, is_test=True, created_at=now,
        event_at=now, next_attempt_at=now, queued_at=now,
    )  # fmt: skip
    deliver(notification.id, now)
    notification.refresh_from_db()
    return notification
