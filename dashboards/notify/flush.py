"""A due group looked at: the notification Alertmanager's rules say it owes (grouping.py), and
what the group remembers of it. Called by the dispatcher's tick, in its transaction."""

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max

from dashboards.alerts.mirror import record
from dashboards.alerts.models import Alert, AlertEvent
from dashboards.alerts.states import FIRING
from dashboards.notify.grouping import (
    Sent,
    content_hash,
    firing_key,
    key_hash,
    needs_update,
    notified_ids,
)
from dashboards.notify.models import (
    GROUP_KEY_SHOWN,
    ContactPoint,
    GroupState,
    Notification,
    NotificationStatus,
)
from dashboards.notify.payload import webhook_payload
from dashboards.notify.routing import RoutePlan, alert_labels, routes_for


def flush(group: GroupState, plans: list[RoutePlan], now: datetime) -> list[Notification]:
    """Make the group's notification when Alertmanager's rules say so, forget its resolved
    alerts, and set when it is looked at next (or drop it, empty)."""
    plan = next((p for p in plans if p.id == group.route_id), None)
    if plan is None or group.contact_point_id not in plan.contact_points:
        group.delete()  # its route was deleted, or sends there no more
        return []
    sent = None
    if group.last_sent_at is not None:
        sent = Sent(group.last_sent_at.timestamp(), frozenset(group.last_firing),
                    frozenset(group.last_resolved))  # fmt: skip
    told = notified_ids(sent)
    firing: dict[str, Alert] = {}
    resolved: dict[str, Alert] = {}
    moved: set[int] = set()
    keep: list[int] = []
    for alert in (
        Alert.objects.filter(id__in=group.members).select_related("acked_by").order_by("id")
    ):
        labels = alert_labels(alert.rule, alert.host, alert.severity, alert.labels)
        gone = plan not in routes_for(plans, labels) or key_hash(plan.group_key(labels)) != (
            group.group_hash
        )
        if gone or alert.resolved_at is not None:
            # Moved away (an escalation took it to another route, its labels to another
            # group): over, for this group's receiver, which is told so if it heard it firing.
            if str(alert.id) in told:
                resolved[str(alert.id)] = alert
                if alert.resolved_at is None:
                    moved.add(alert.id)
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
            made.append(
                _notification(group, contact_point, told_alerts, (firing, resolved, moved), now)
            )
        group.last_sent_at, group.sequence = now, group.sequence + 1
        group.last_firing, group.last_resolved = sorted(firing), sorted(resolved)
    group.members = keep
    if keep:
        group.next_flush_at = now + timedelta(seconds=plan.group_interval_s)
        group.save()
    else:
        group.delete()
    return made


def _notification(group, contact_point: ContactPoint, alerts, decision, now) -> Notification:
    firing, resolved, moved = decision
    digest = content_hash(
        group.group_key, group.created_at.timestamp(), group.sequence, firing, resolved
    )
    pending = Notification.objects.filter(
        contact_point=contact_point, group_hash=group.group_hash,
        status=NotificationStatus.PENDING,
    )  # fmt: skip
    if contact_point.send_resolved:
        # A resolution only an undelivered older message told is told again by this one,
        # which supersedes it (a receiver would otherwise see that alert firing forever).
        carried = Alert.objects.filter(notifications__in=pending, resolved_at__isnull=False)
        alerts = [*alerts, *carried.exclude(id__in=[a.id for a in alerts]).distinct()]
    records = []
    for alert in alerts:
        told = record(alert)
        if alert.id in moved:
            told["resolved_at"] = now.timestamp()  # over here: it went to another group
        records.append(told)
    payload = webhook_payload(
        records, receiver=contact_point.name, group_key=group.group_key,
        group_labels=group.group_labels, external_url=settings.MONITOR_EXTERNAL_URL,
    )  # fmt: skip
    newest = AlertEvent.objects.filter(alert__in=alerts).aggregate(at=Max("at"))["at"]
    notification, created = Notification.objects.get_or_create(
        contact_point=contact_point, group_hash=group.group_hash, content_hash=digest,
        defaults={
            "target": contact_point.name, "route_id": group.route_id, "payload": payload,
            "group_key": group.group_key[:GROUP_KEY_SHOWN],
            "key": notification_key(contact_point.id, digest),
            "created_at": now, "event_at": newest, "next_attempt_at": now, "queued_at": now,
        },
    )  # fmt: skip
    if created:
        notification.alerts.set(alerts)
        # Sent after a newer one, an older message would undo it at the receiver (a firing
        # arriving after its resolution): the newer one tells the whole group, so it replaces
        # them. One on its way now is waited for instead (delivery.py).
        pending.exclude(id=notification.id).update(
            status=NotificationStatus.SUPERSEDED, queued_at=None,
            last_error=f"superseded by notification {notification.id}",
        )  # fmt: skip
    return notification


def notification_key(contact_point_id: int, digest: str) -> str:
    """The Idempotency-Key: the same for every attempt of one notification."""
    return hashlib.sha256(f"{contact_point_id}:{digest}".encode()).hexdigest()[:32]
