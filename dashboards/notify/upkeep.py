"""The dispatcher's housekeeping, in its tick: deliveries nobody holds are queued again (or
failed, past their retry window), and old history is deleted."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

from dashboards.notify.models import DeliveryAttempt, DispatchCursor, Notification
from dashboards.notify.models import NotificationStatus as Status

# A due notification whose Celery message went missing is queued again after this long.
REQUEUE_S = 30.0
PRUNE_EVERY_S = 3600.0
LOST = "lost: the notifier stopped during this attempt (its lease ran out)"
DONE = (Status.DELIVERED, Status.FAILED, Status.SUPERSEDED)


def due_deliveries(now: datetime):
    forgotten = Q(queued_at__isnull=True) | Q(queued_at__lt=now - timedelta(seconds=REQUEUE_S))
    pending = Q(status=Status.PENDING, next_attempt_at__lte=now) & forgotten
    lost = Q(status=Status.SENDING, lease_until__lt=now)
    return Notification.objects.filter(pending | lost)


def requeue(now: datetime) -> list[int]:
    """Deliveries nobody holds: a lease that ran out (the notifier died mid-send) is recorded
    as a lost attempt; a due one whose message never came is queued again, unless its retry
    window has passed (then it has failed: a send that keeps killing its worker ends too)."""
    ids = []
    window = timedelta(seconds=settings.MONITOR_NOTIFY_RETRY_WINDOW_S)
    for notification in due_deliveries(now).select_for_update(of=("self",)):
        if notification.status == Status.SENDING:
            DeliveryAttempt.objects.create(
                notification=notification, at=notification.lease_until, status="error", error=LOST
            )
            notification.attempts += 1
            notification.last_error = LOST
            notification.lease_until, notification.lease_token = None, ""
            notification.status = Status.PENDING
        if notification.is_test or now > notification.created_at + window:
            notification.status = Status.FAILED
            notification.save()
            continue
        notification.next_attempt_at = min(notification.next_attempt_at, now)
        notification.queued_at = now
        notification.save()
        ids.append(notification.id)
    return ids


def prune_due(cursor: DispatchCursor | None, now: datetime) -> bool:
    last = cursor.pruned_at if cursor else None
    return last is None or last <= now - timedelta(seconds=PRUNE_EVERY_S)


def prune(cursor: DispatchCursor, now: datetime) -> None:
    """At most once an hour: notifications done with for MONITOR_NOTIFY_RETENTION_DAYS go,
    with their attempts (the table would grow without end)."""
    if not prune_due(cursor, now):
        return
    old = now - timedelta(days=settings.MONITOR_NOTIFY_RETENTION_DAYS)
    Notification.objects.filter(status__in=DONE, created_at__lt=old).delete()
    cursor.pruned_at = now
