"""/api/alerts and /api/silences: read, filter, acknowledge, silence. Changes go through
dashboards/alerts/responses.py, the same functions the socket and the pages use."""

from datetime import UTC, datetime, timedelta
from typing import Literal

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router, Schema, Status
from pydantic import ConfigDict, Field

from dashboards.alerts import responses
from dashboards.alerts.mirror import record
from dashboards.alerts.models import Alert, AlertEvent, Silence
from dashboards.alerts.responses import Refused
from dashboards.api.auth import require_responder
from dashboards.api.schemas import (
    AckIn,
    AlertDetailOut,
    AlertEventOut,
    AlertListOut,
    AlertOut,
    ErrorOut,
    SilenceIn,
    SilenceOut,
)

router = Router(tags=["alerts"])
REFUSALS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
# Ids and offsets past this are no row's: refused before a database is asked (SQLite's integers
# stop at 2**63, and a bigger one is an OverflowError, not "no such row").
MAX_ID = 2**53
AlertId = Path(..., ge=1, le=MAX_ID)
SilenceId = Path(..., ge=1, le=MAX_ID)


class AlertFilters(Schema):
    model_config = ConfigDict(extra="forbid")
    state: Literal["active", "resolved", "all"] = "active"
    host: str = ""
    rule: str = ""
    severity: Literal["warning", "critical", ""] = ""
    source: Literal["rules", "alertmanager", ""] = ""
    since: float | None = Field(
        None, ge=0, le=1e11, description="Unix seconds: started at or after."
    )
    active_since: float | None = Field(
        None, ge=0, le=1e11,
        description="Unix seconds: firing or pending at some time since (not resolved before).",
    )  # fmt: skip
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=MAX_ID)


def _time_filter(name: str, value: float) -> datetime:
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise Refused("bad_field", f"{name}: not a time in Unix seconds") from None


def _alert(alert_id: int) -> Alert:
    found = Alert.objects.select_related("acked_by").filter(id=alert_id).first()
    if found is None:
        raise Refused("unknown_alert", f"there is no alert {alert_id}")
    return found


def _event(entry: AlertEvent) -> dict:
    return {
        "id": entry.id, "event": entry.event, "at": entry.at.timestamp(), "state": entry.state,
        "severity": entry.severity or None, "value": entry.value,
        "by": entry.by.get_username() if entry.by else None, "comment": entry.comment,
        "detail": entry.detail,
    }  # fmt: skip


@router.get("/alerts", response={200: AlertListOut, 400: ErrorOut})
def list_alerts(request: HttpRequest, filters: Query[AlertFilters]):
    """Active alerts (default), resolved ones, or all; newest first."""
    if unknown := sorted(set(request.GET) - set(AlertFilters.model_fields)):
        # A misspelt filter (?hots=db1) would otherwise answer every alert.
        fields = {name: "not a filter of /api/alerts" for name in unknown}
        raise Refused("bad_field", f"unknown filter: {', '.join(unknown)}", fields)
    alerts = Alert.objects.select_related("acked_by")
    if filters.state == "active":
        alerts = alerts.filter(resolved_at__isnull=True)
    elif filters.state == "resolved":
        alerts = alerts.filter(resolved_at__isnull=False)
    for name in ("host", "rule", "severity", "source"):
        if value := getattr(filters, name):
            alerts = alerts.filter(**{name: value})
    if filters.since is not None:
        alerts = alerts.filter(started_at__gte=_time_filter("since", filters.since))
    if filters.active_since is not None:
        # A chart's window: every alert that was on during it, however long before it began.
        after = _time_filter("active_since", filters.active_since)
        alerts = alerts.filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=after))
    alerts = alerts.order_by("-started_at", "-id")
    page = alerts[filters.offset : filters.offset + filters.limit]
    return {"count": alerts.count(), "alerts": [record(a) for a in page]}


@router.get("/alerts/{alert_id}", response={200: AlertDetailOut, 404: ErrorOut})
def get_alert(request: HttpRequest, alert_id: int = AlertId):
    """One alert with its timeline and the host's top processes when it fired."""
    alert = _alert(alert_id)
    events = alert.events.select_related("by").order_by("at", "id")
    return {**record(alert), "top": alert.top, "events": [_event(e) for e in events]}


@router.get("/alerts/{alert_id}/events", response={200: list[AlertEventOut], 404: ErrorOut})
def alert_events(request: HttpRequest, alert_id: int = AlertId):
    return [_event(e) for e in _alert(alert_id).events.select_related("by").order_by("at", "id")]


@router.post("/alerts/{alert_id}/ack", response={200: AlertOut, **REFUSALS})
def ack(request: HttpRequest, alert_id: int = AlertId, payload: AckIn | None = None):
    """Acknowledge (a responder): every screen shows who and stops its sound."""
    comment = payload.comment if payload else ""
    return responses.acknowledge(request.user, alert_id, comment)


@router.post("/alerts/{alert_id}/unack", response={200: AlertOut, **REFUSALS})
def unack(request: HttpRequest, alert_id: int = AlertId):
    return responses.unacknowledge(request.user, alert_id)


def _silence(found: Silence) -> dict:
    now = timezone.now()
    return {
        "id": found.id, "host": found.host, "rule": found.rule, "labels": found.labels,
        "starts_at": found.starts_at.timestamp(), "ends_at": found.ends_at.timestamp(),
        "active": found.starts_at <= now < found.ends_at, "comment": found.comment,
        "created_by": found.created_by.get_username() if found.created_by else None,
    }  # fmt: skip


@router.get("/silences", response=list[SilenceOut])
def list_silences(request: HttpRequest, expired: bool = Query(False)):
    """Active and future silences; ``expired=true`` adds the ended ones (newest first)."""
    silences = Silence.objects.select_related("created_by")
    if not expired:
        silences = silences.filter(ends_at__gt=timezone.now())
    return [_silence(s) for s in silences[:1000]]


@router.post("/silences", response={201: SilenceOut, **REFUSALS})
def create_silence(request: HttpRequest, payload: SilenceIn):
    """Quiet what matches every given matcher, from now for ``duration_s`` (a responder)."""
    require_responder(request)
    created = responses.silence(
        request.user, host=payload.host, rule=payload.rule, labels=payload.labels,
        duration=timedelta(seconds=payload.duration_s), comment=payload.comment,
    )  # fmt: skip
    return Status(201, _silence(created))


@router.get("/silences/{silence_id}", response={200: SilenceOut, 404: ErrorOut})
def get_silence(request: HttpRequest, silence_id: int = SilenceId):
    found = Silence.objects.select_related("created_by").filter(id=silence_id).first()
    if found is None:
        raise Refused("unknown_silence", f"there is no silence {silence_id}")
    return _silence(found)


@router.delete("/silences/{silence_id}", response={200: SilenceOut, **REFUSALS})
def expire_silence(request: HttpRequest, silence_id: int = SilenceId):
    """Expire it now (kept in the history, like Alertmanager's)."""
    return _silence(responses.expire(request.user, silence_id))
