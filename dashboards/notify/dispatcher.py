"""The dispatcher's tick: alert events past a cursor in the database -> group states -> the
notifications that are due, each made once. Run by the notifier every interval (beat sends it).

Idempotent and restartable: the cursor, the groups and the notifications change in one
transaction, and a notification is unique per contact point, group key and content hash, so a
tick run twice (or after a crash) queues nothing twice. Events younger than SETTLE_S are read
again by the next tick: on PostgreSQL an event id can commit after a higher one, and reading a
recent one twice is harmless (a group's alerts are a set). The same tick finds deliveries
whose Celery message was lost (Redis restarted, a worker killed) and queues them again.
"""

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q

from dashboards.alerts.mirror import record
from dashboards.alerts.models import Alert, AlertEvent
from dashboards.alerts.states import FIRING
from dashboards.notify.grouping import Sent, content_hash, firing_key, needs_update, notified_ids
from dashboards.notify.models import (
    ContactPoint,
    DeliveryAttempt,
    DispatchCursor,
    GroupState,
    Notification,
    NotificationStatus,
    Route,
)
from dashboards.notify.payload import webhook_payload
from dashboards.notify.routing import RoutePlan, alert_labels, routes_for

EVENTS_CURSOR = "alert-events"
SETTLE_S = 5.0
BATCH = 2000
# A due notification whose Celery message went missing is queued again after this long.
REQUEUE_S = 30.0
LOST = "lost: the notifier stopped during this attempt (its lease ran out)"


def load_plans() -> list[RoutePlan]:
    routes = Route.objects.prefetch_related("contact_points")
    return [RoutePlan.of(r, tuple(cp.id for cp in r.contact_points.all())) for r in routes.all()]


def _due_deliveries(now: datetime):
    forgotten = Q(queued_at__isnull=True) | Q(queued_at__lt=now - timedelta(seconds=REQUEUE_S))
    pending = Q(status=NotificationStatus.PENDING, next_attempt_at__lte=now) & forgotten
    lost = Q(status=NotificationStatus.SENDING, lease_until__lt=now)
    return Notification.objects.filter(pending | lost)


def _has_work(cursor_id: int, now: datetime) -> bool:
    """Cheap reads first: most ticks have nothing to do and take no write lock."""
    return (
        AlertEvent.objects.filter(id__gt=cursor_id).exists()
        or GroupState.objects.filter(next_flush_at__lte=now).exists()
        or _due_deliveries(now).exists()
    )


def dispatch(now: datetime) -> list[int]:
    """One tick at ``now``; returns the ids of the notifications to deliver, once committed."""
    seen = DispatchCursor.objects.filter(name=EVENTS_CURSOR).values_list("event_id", flat=True)
    if not _has_work(seen.first() or 0, now):
        return []
    with transaction.atomic():
        cursor, _ = DispatchCursor.objects.select_for_update().get_or_create(name=EVENTS_CURSOR)
        plans = load_plans()
        events = list(
            AlertEvent.objects.filter(id__gt=cursor.event_id)
            .order_by("id")
            .values_list("id", "alert_id", "at")[:BATCH]
        )
        if events:
            changed = {}
            for _, alert_id, at in events:
                changed[alert_id] = max(at, changed.get(alert_id, at))
            _route(changed, plans, now)
            cursor.event_id = _settled(cursor.event_id, events, now)
            cursor.save()
        due = GroupState.objects.select_for_update().filter(next_flush_at__lte=now)
        made = [n.id for group in due.select_related("contact_point") for n in
                flush(group, plans, now)]  # fmt: skip
        return made + _requeue(now)


def _settled(cursor: int, events: list, now: datetime) -> int:
    """The cursor after ``events``: up to the first one younger than SETTLE_S."""
    for event_id, _, at in events:
        if at > now - timedelta(seconds=SETTLE_S):
            break
        cursor = event_id
    return cursor


def _route(changed: dict[int, datetime], plans: list[RoutePlan], now: datetime) -> None:
    """Put each changed alert (id: when it changed) in the groups of the routes that take it.
    A new group's wait runs from the change, not from when the dispatcher saw it."""
    # An alert that never fired (pending, cancelled) is nobody's news.
    for alert in Alert.objects.filter(id__in=changed, fired_at__isnull=False):
        labels = alert_labels(alert.rule, alert.host, alert.severity, alert.labels)
        since = min(changed[alert.id], now)
        for plan in routes_for(plans, labels):
            key = plan.group_key(labels)
            for contact_point_id in plan.contact_points:
                _join(alert, plan, contact_point_id, key, labels, since)


def _join(alert: Alert, plan: RoutePlan, contact_point_id: int, key, labels, since) -> None:
    group = GroupState.objects.filter(
        route_id=plan.id, contact_point_id=contact_point_id, group_key=key
    ).first()
    if group is None:
        if alert.resolved_at is not None:
            return  # resolved with no group to tell: it was told already, or never
        group = GroupState(
            route_id=plan.id, contact_point_id=contact_point_id, group_key=key,
            group_labels=plan.group_labels(labels), created_at=since,
            next_flush_at=since + timedelta(seconds=plan.group_wait_s),
        )  # fmt: skip
    if alert.id not in group.members:
        group.members = [*group.members, alert.id]
        group.save()


def flush(group: GroupState, plans: list[RoutePlan], now: datetime) -> list[Notification]:
    """Look at one due group: make its notification when Alertmanager's rules say so, forget
    its resolved alerts, and set when it is looked at next (or drop it, empty)."""
    plan = next((p for p in plans if p.id == group.route_id), None)
    if plan is None or group.contact_point_id not in plan.contact_points:
        group.delete()  # its route changed under it
        return []
    sent = None
    if group.last_sent_at is not None:
        sent = Sent(group.last_sent_at.timestamp(), frozenset(group.last_firing),
                    frozenset(group.last_resolved))  # fmt: skip
    told = notified_ids(sent)
    firing: dict[str, Alert] = {}
    resolved: dict[str, Alert] = {}
    keep: list[int] = []
    for alert in (
        Alert.objects.filter(id__in=group.members).select_related("acked_by").order_by("id")
    ):
        labels = alert_labels(alert.rule, alert.host, alert.severity, alert.labels)
        if plan not in routes_for(plans, labels) or plan.group_key(labels) != group.group_key:
            continue  # its severity (or labels) took it to another route or group
        if alert.resolved_at is not None:
            if str(alert.id) in told:
                resolved[str(alert.id)] = alert
            continue
        keep.append(alert.id)
        # Silenced and suppressed (host down) alerts are muted: the host-down alert tells.
        if alert.state == FIRING and alert.silenced_by_id is None:
            firing[firing_key(alert.id, alert.severity)] = alert
    contact_point = group.contact_point
    made = []
    update = contact_point.enabled and needs_update(
        sent, set(firing), set(resolved), send_resolved=contact_point.send_resolved,
        repeat_s=plan.repeat_interval_s, now=now.timestamp(),
        all_acked=bool(firing) and all(a.acked_at is not None for a in firing.values()),
    )  # fmt: skip
    if update:
        told_alerts = [
            *firing.values(),
            *(resolved.values() if contact_point.send_resolved else ()),
        ]
        if told_alerts:
            made.append(_notification(group, contact_point, told_alerts, firing, resolved, now))
        group.last_sent_at, group.sequence = now, group.sequence + 1
        group.last_firing, group.last_resolved = sorted(firing), sorted(resolved)
    group.members = keep
    if keep:
        group.next_flush_at = now + timedelta(seconds=plan.group_interval_s)
        group.save()
    else:
        group.delete()
    return made


def _notification(group, contact_point: ContactPoint, alerts, firing, resolved, now):
    digest = content_hash(
        group.group_key, group.created_at.timestamp(), group.sequence, firing, resolved
    )
    payload = webhook_payload(
        [record(a) for a in alerts], receiver=contact_point.name, group_key=group.group_key,
        group_labels=group.group_labels, external_url=settings.MONITOR_EXTERNAL_URL,
    )  # fmt: skip
    newest = AlertEvent.objects.filter(alert__in=alerts).aggregate(at=Max("at"))["at"]
    notification, created = Notification.objects.get_or_create(
        contact_point=contact_point, group_key=group.group_key, content_hash=digest,
        defaults={
            "target": contact_point.name, "route_id": group.route_id, "payload": payload,
            "key": hashlib.sha256(f"{contact_point.id}:{digest}".encode()).hexdigest()[:32],
            "created_at": now, "event_at": newest, "next_attempt_at": now, "queued_at": now,
        },
    )  # fmt: skip
    if created:
        notification.alerts.set(alerts)
    return notification


def _requeue(now: datetime) -> list[int]:
    """Deliveries nobody holds: a lease that ran out (the notifier died mid-send) is recorded
    as a lost attempt; a due one whose message never came is queued again."""
    ids = []
    for notification in _due_deliveries(now).select_for_update():
        if notification.status == NotificationStatus.SENDING:
            DeliveryAttempt.objects.create(
                notification=notification, at=notification.lease_until, status="error", error=LOST
            )
            notification.attempts += 1
            notification.last_error = LOST
            notification.status = NotificationStatus.PENDING
        notification.next_attempt_at = min(notification.next_attempt_at, now)
        notification.queued_at = now
        notification.save()
        ids.append(notification.id)
    return ids
