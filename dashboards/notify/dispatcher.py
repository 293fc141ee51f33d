"""The dispatcher's tick: alert events past a cursor in the database -> group states -> the
notifications that are due, each made once. Beat sends it every interval to the evaluator's
central queue (cheap, database only, never the network: docs/notifications.md).

Idempotent and restartable: the cursor, the groups and the notifications change in one
transaction, and a notification is unique per contact point, group key and content hash, so a
tick run twice (or after a crash) queues nothing twice. Two ticks at once take turns on the
cursor row's lock. On PostgreSQL an event id can commit after a higher one: the cursor stops
below a missing id until SETTLE_S of the dispatcher's own clock have passed since it first saw
the gap (a rolled-back transaction leaves one for good); events past it are read again, which
is harmless (a group's alerts are a set). A change of routes or contact points routes every
active alert again. One alert or group that cannot be handled is logged and skipped.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction

from dashboards.alerts.models import Alert, AlertEvent
from dashboards.notify import upkeep
from dashboards.notify.fields import ConfigError
from dashboards.notify.flush import flush
from dashboards.notify.grouping import key_hash
from dashboards.notify.models import DISPATCH_CURSOR, DispatchCursor, GroupState, Route
from dashboards.notify.routing import RoutePlan, alert_labels, routes_for

logger = logging.getLogger(__name__)

SETTLE_S = 5.0
BATCH = 2000


def load_plans() -> list[RoutePlan]:
    plans = []
    for route in Route.objects.prefetch_related("contact_points"):
        try:
            plans.append(RoutePlan.of(route, tuple(cp.id for cp in route.contact_points.all())))
        except ConfigError as exc:  # a timing saved around the checks
            logger.error("route %r is skipped: %s", route.name, exc)
    return plans


def _has_work(cursor: DispatchCursor | None, now: datetime) -> bool:
    """Cheap reads first: most ticks have nothing to do and take no write lock."""
    if cursor is not None and cursor.config_version != cursor.routed_version:
        return True
    return (
        AlertEvent.objects.filter(id__gt=cursor.event_id if cursor else 0).exists()
        or GroupState.objects.filter(next_flush_at__lte=now).exists()
        or upkeep.due_deliveries(now).exists()
        or upkeep.prune_due(cursor, now)
    )


def dispatch(now: datetime) -> list[int]:
    """One tick at ``now``; returns the ids of the notifications to deliver, once committed."""
    if not _has_work(DispatchCursor.objects.filter(name=DISPATCH_CURSOR).first(), now):
        return []
    with transaction.atomic():
        cursor, _ = DispatchCursor.objects.select_for_update().get_or_create(name=DISPATCH_CURSOR)
        plans = load_plans()
        changed = _read_events(cursor, now)
        if cursor.routed_version != cursor.config_version:
            active = Alert.objects.filter(fired_at__isnull=False, resolved_at__isnull=True)
            for alert_id in active.values_list("id", flat=True):
                changed.setdefault(alert_id, now)
            cursor.routed_version = cursor.config_version
        _route(changed, plans, now)
        upkeep.prune(cursor, now)
        # Not config_version: the row is locked, but a bump must never be written over.
        cursor.save(update_fields=["event_id", "gap_seen_at", "routed_version", "pruned_at"])
        due = (
            GroupState.objects.select_for_update(of=("self",))
            .filter(next_flush_at__lte=now)
            .select_related("contact_point")
        )
        made = []
        for group in due:
            made += _isolated(f"group {group.group_key[:200]!r}", flush, group, plans, now) or []
        return [n.id for n in made] + upkeep.requeue(now)


def _isolated(what: str, step: Callable, *args):
    """``step(*args)`` in a savepoint: one that fails (a bad stored value, a DataError) is
    logged and skipped, so it cannot stop every tick from then on."""
    try:
        with transaction.atomic():
            return step(*args)
    except Exception:
        logger.exception("notifications: %s skipped this tick", what)
        return None


def _read_events(cursor: DispatchCursor, now: datetime) -> dict[int, datetime]:
    """The alerts with events past the cursor (id: when it last changed); moves the cursor."""
    events = list(
        AlertEvent.objects.filter(id__gt=cursor.event_id)
        .order_by("id")
        .values_list("id", "alert_id", "at")[:BATCH]
    )
    changed: dict[int, datetime] = {}
    for _, alert_id, at in events:
        changed[alert_id] = max(at, changed.get(alert_id, at))
    cursor.event_id, cursor.gap_seen_at = settled(
        cursor.event_id, cursor.gap_seen_at, [event_id for event_id, _, _ in events], now
    )
    return changed


def settled(
    cursor: int, gap_seen_at: datetime | None, event_ids: list[int], now: datetime
) -> tuple[int, datetime | None]:
    """The cursor after these ids (ascending) and since when a gap right past it was seen: it
    moves over consecutive ids, and over a gap only SETTLE_S after the gap was first seen."""
    for event_id in event_ids:
        if event_id != cursor + 1:
            if gap_seen_at is None:
                return cursor, now
            if now - gap_seen_at < timedelta(seconds=SETTLE_S):
                return cursor, gap_seen_at
        cursor, gap_seen_at = event_id, None
    return cursor, None


def _route(changed: dict[int, datetime], plans: list[RoutePlan], now: datetime) -> None:
    """Put each changed alert (id: when it changed) in the groups of the routes that take it.
    A new group's wait runs from the change, not from when the dispatcher saw it."""
    # An alert that never fired (pending, cancelled) is nobody's news.
    for alert in Alert.objects.filter(id__in=changed, fired_at__isnull=False):
        since = min(changed[alert.id], now)
        _isolated(f"alert {alert.id}", _route_alert, alert, plans, since)


def _route_alert(alert: Alert, plans: list[RoutePlan], since: datetime) -> None:
    labels = alert_labels(alert.rule, alert.host, alert.severity, alert.labels)
    for plan in routes_for(plans, labels):
        for contact_point_id in plan.contact_points:
            _join(alert, plan, contact_point_id, labels, since)


def _join(alert: Alert, plan: RoutePlan, contact_point_id: int, labels, since) -> None:
    key = plan.group_key(labels)
    group = GroupState.objects.filter(
        route_id=plan.id, contact_point_id=contact_point_id, group_hash=key_hash(key)
    ).first()
    if group is None:
        if alert.resolved_at is not None:
            return  # resolved with no group to tell: it was told already, or never
        group = GroupState(
            route_id=plan.id, contact_point_id=contact_point_id, group_key=key,
            group_hash=key_hash(key), group_labels=plan.group_labels(labels), created_at=since,
            next_flush_at=since + timedelta(seconds=plan.group_wait_s),
        )  # fmt: skip
    if alert.id not in group.members:
        group.members = [*group.members, alert.id]
        group.save()
