"""`/alerts/`: active alerts worst first and the history with filters; one alert's timeline;
and the HTTP side of responding (ack, un-ack, silences) for pages and scripts."""

import json
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dashboards.alerts import responses
from dashboards.alerts.mirror import record
from dashboards.alerts.models import ACTIVE_STATES, Alert, Silence
from dashboards.alerts.roles import role_of
from dashboards.alerts.states import FIRING, PENDING, SUPPRESSED

_STATUS = {"forbidden": 403, "unknown_alert": 404, "unknown_silence": 404, "bad_field": 400}
HISTORY_PAGE = 100
SINCE_CHOICES = {"1h": 1, "24h": 24, "7d": 24 * 7, "30d": 24 * 30}


def role_context(request: HttpRequest) -> dict:
    """Every page knows the user's role: the pages show responders their buttons."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    role = role_of(user)
    return {"alert_role": role, "can_respond": role != "viewer"}


def _error(exc: responses.Refused) -> JsonResponse:
    status = _STATUS.get(exc.code, 409)
    return JsonResponse({"error": {"code": exc.code, "message": exc.message}}, status=status)


def _worst_first(alert: Alert) -> tuple:
    rank = {"critical": 2, "warning": 1}.get(alert.severity, 0)
    weight = {FIRING: 10 + rank, SUPPRESSED: 5, PENDING: 0}.get(alert.state, 0)
    return (-weight, alert.started_at)


@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    active = sorted(
        Alert.objects.filter(resolved_at__isnull=True).select_related("acked_by"), key=_worst_first
    )
    history = Alert.objects.exclude(state__in=ACTIVE_STATES).select_related("acked_by")
    filters = {
        key: request.GET.get(key, "").strip()
        for key in ("host", "rule", "severity", "state", "since")
    }
    if filters["host"]:
        history = history.filter(host=filters["host"])
    if filters["rule"]:
        history = history.filter(rule=filters["rule"])
    if filters["severity"] in ("warning", "critical"):
        history = history.filter(severity=filters["severity"])
    if filters["state"] == "fired":
        history = history.filter(fired_at__isnull=False)
    elif filters["state"] == "cancelled":
        history = history.filter(fired_at__isnull=True)
    hours = SINCE_CHOICES.get(filters["since"])
    if hours:
        history = history.filter(started_at__gte=timezone.now() - timedelta(hours=hours))
    page = Paginator(history.order_by("-started_at"), HISTORY_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "active": active,
        "active_records": [record(a) for a in active],
        "page": page,
        "filters": filters,
        "rules": sorted(set(Alert.objects.values_list("rule", flat=True))),
        "silences": Silence.objects.filter(ends_at__gt=timezone.now()).select_related("created_by"),
        "ws_path": "/ws/live/",
    }
    return render(request, "alerts/list.html", context)


@login_required
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(Alert.objects.select_related("acked_by"), id=alert_id)
    events = alert.events.select_related("by").order_by("at", "id")
    context = {
        "alert": alert,
        "events": events,
        # What was sent about it (dashboards/notify): one row per message to a contact point.
        "notifications": alert.notifications.order_by("created_at", "id"),
        "labels_json": json.dumps(alert.labels),
        "generator_url": _http_link((alert.external or {}).get("generator_url")),
        "ws_path": "/ws/live/",
    }
    return render(request, "alerts/detail.html", context)


def _http_link(url) -> str | None:
    """An outside link (Alertmanager's generatorURL) only when it is http(s): never javascript:."""
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        return url
    return None


def _respond(action, *args, then: HttpResponse) -> HttpResponse:
    """Run a response for the signed-in user: ``then`` when taken, else the JSON error."""
    try:
        action(*args)
    except responses.Refused as exc:
        return _error(exc)
    return then


@require_POST
@login_required
def ack(request: HttpRequest, alert_id: int) -> HttpResponse:
    comment = request.POST.get("comment", "")
    back = redirect("alert", alert_id=alert_id)
    return _respond(responses.acknowledge, request.user, alert_id, comment, then=back)


@require_POST
@login_required
def unack(request: HttpRequest, alert_id: int) -> HttpResponse:
    back = redirect("alert", alert_id=alert_id)
    return _respond(responses.unacknowledge, request.user, alert_id, then=back)


def _silence_request(request: HttpRequest) -> dict:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            raise responses.Refused("bad_field", "the body is not JSON") from None
        if not isinstance(data, dict):
            raise responses.Refused("bad_field", "the body is a JSON object")
        return data
    data = request.POST.dict()
    if data.get("labels"):
        try:
            data["labels"] = json.loads(data["labels"])
        except ValueError:
            raise responses.Refused("bad_field", 'labels are JSON: {"mount": "/var"}') from None
    return data


@require_POST
@login_required
def create_silence(request: HttpRequest) -> HttpResponse:
    try:
        data = _silence_request(request)
        seconds = data.get("duration_s", 3600)
        if type(seconds) is str and seconds.isdigit():
            seconds = int(seconds)
        if type(seconds) not in (int, float) or not 60 <= seconds <= 30 * 86400:
            raise responses.Refused("bad_field", "'duration_s' is 60 to 2,592,000 seconds")
        for key in ("host", "rule", "comment"):
            if not isinstance(data.get(key, ""), str):
                raise responses.Refused("bad_field", f"'{key}' must be a text")
        labels = data.get("labels") or {}
        if not isinstance(labels, dict):
            raise responses.Refused("bad_field", "'labels' must be an object of texts")
        made = responses.silence(
            request.user, host=data.get("host", ""), rule=data.get("rule", ""), labels=labels,
            duration=timedelta(seconds=seconds), comment=data.get("comment", ""),
        )  # fmt: skip
    except responses.Refused as exc:
        return _error(exc)
    if request.content_type == "application/json":
        return JsonResponse({"id": made.id, "ends_at": made.ends_at.timestamp()}, status=201)
    return redirect("alerts")


@require_POST
@login_required
def expire_silence(request: HttpRequest, silence_id: int) -> HttpResponse:
    return _respond(responses.expire, request.user, silence_id, then=redirect("alerts"))
