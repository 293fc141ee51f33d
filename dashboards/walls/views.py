"""`/d/`: the saved dashboards; `/d/<slug>/` one of them; `/d/<slug>/layout.json` its layout,
downloaded by anyone signed in and uploaded by an admin (all or nothing); `/k/<secret>/` a wall
screen's dashboard by its kiosk token (kiosks.py)."""

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from dashboards.alerts.models import Alert
from dashboards.alerts.roles import ADMIN, role_of
from dashboards.fleet.models import Host
from dashboards.fleet.views import _live_context, _matches
from dashboards.walls.kiosks import find_kiosk, touch, usable
from dashboards.walls.layout import LayoutError, subscriptions, validate_layout
from dashboards.walls.models import Dashboard

SEVERITY_RANK = {"warning": 1, "critical": 2}


@login_required
def dashboard_list(request: HttpRequest) -> HttpResponse:
    return render(request, "walls/list.html", {"dashboards": Dashboard.objects.all()})


def _active_alerts(panel: dict) -> list[Alert]:
    """What an alerts panel shows when the page opens: active alerts of at least its
    ``severity`` whose labels match its ``labels``, worst first."""
    least = SEVERITY_RANK.get(panel.get("severity"), 0)
    wanted = panel.get("labels") or {}
    found = [
        alert
        for alert in Alert.objects.filter(resolved_at__isnull=True).select_related("acked_by")
        if SEVERITY_RANK.get(alert.severity, 0) >= least and _matches(alert.labels, wanted)
    ]
    return sorted(found, key=lambda a: (-SEVERITY_RANK.get(a.severity, 0), a.started_at))


@login_required
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """The dashboard's panels; ``?kiosk`` hides the chrome (as every kiosk URL does)."""
    board = get_object_or_404(Dashboard, slug=slug)
    return render_dashboard(request, board, kiosk="kiosk" in request.GET)


def render_dashboard(
    request: HttpRequest, board: Dashboard, kiosk: bool = False, ws_path: str | None = None
) -> HttpResponse:
    """For now a hosts panel is the overview's tiles (filtered by its labels) and an alerts
    panel the active alerts; the page gets the layout and what its socket must follow as
    json_script, for the in-page panels to come. ``kiosk``: no chrome, big type, nothing to
    click (kiosk.py serves wall screens so, with their own socket at ``ws_path``)."""
    panels = board.layout["panels"]
    tiles = next((panel for panel in panels if panel["type"] == "hosts"), None)
    live = _live_context()
    context = {
        **live,
        "ws_path": ws_path or live["ws_path"],
        "kiosk": kiosk,
        "dashboard": board,
        "layout": board.layout,
        "subscriptions": subscriptions(board.layout).as_json(),
        "alert_panels": [
            {"panel": panel, "alerts": _active_alerts(panel)}
            for panel in panels
            if panel["type"] == "alerts"
        ],
        "other_panels": [panel for panel in panels if panel["type"] not in ("hosts", "alerts")],
        "can_edit": not kiosk and role_of(request.user) == ADMIN,
    }
    if kiosk:
        context["can_respond"] = False  # nothing to acknowledge with, whoever looks
    if tiles is None:
        return render(request, "walls/dashboard.html", context)
    wanted = tiles.get("labels") or {}
    context["label"] = ",".join(f"{key}={value}" for key, value in wanted.items())
    context["hosts"] = [
        host.record() for host in Host.objects.all() if _matches(host.labels, wanted)
    ]
    context["window_s"] = 120
    return render(request, "walls/tiles.html", context)


def bad_layout(message: str, fields: dict[str, str]) -> JsonResponse:
    body = {"code": "bad_layout", "message": message, "fields": fields}
    return JsonResponse({"error": body}, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def layout_file(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the layout as a file to keep. POST (admins): a layout file (the body, or the form
    field ``file``) replaces it whole, or nothing changes (400 ``bad_layout`` naming the field)."""
    board = get_object_or_404(Dashboard, slug=slug)
    if request.method == "GET":
        response = JsonResponse(board.layout, json_dumps_params={"indent": 2})
        response["Content-Disposition"] = f'attachment; filename="{board.slug}.layout.json"'
        return response
    if role_of(request.user) != ADMIN:
        message = "your role may not change dashboards (an admin may)"
        return JsonResponse({"error": {"code": "forbidden", "message": message}}, status=403)
    upload = request.FILES.get("file")
    raw = upload.read() if upload is not None else request.body
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        return bad_layout(f"the layout is not JSON: {exc}", {"layout": "not JSON"})
    try:
        board.layout = validate_layout(data)
    except LayoutError as exc:
        return bad_layout(str(exc), {exc.path: exc.message})
    board.save(update_fields=["layout", "updated_at"])
    return JsonResponse(board.definition())


def kiosk(request: HttpRequest, secret: str) -> HttpResponse:
    """A wall screen at /k/<secret>/: its dashboard read-only in kiosk mode, its socket held by
    the token, no session needed (or used). Unknown or expired: 404 "unknown screen"; revoked:
    410 "this screen was revoked" (a plain page, no login form: a wall has no one to sign in)."""
    token = find_kiosk(secret)
    if token is not None and token.revoked_at is not None:
        response = _screen_gone(request, "revoked", 410)
    elif token is None or not usable(token):
        response = _screen_gone(request, "unknown", 404)
    else:
        touch(token)
        response = render_dashboard(
            request, token.dashboard, kiosk=True, ws_path=f"/ws/kiosk/{secret}/"
        )
    # The address is the credential: kept out of caches and of other sites' logs.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


SCREEN_GONE = {"revoked": "This screen was revoked", "unknown": "Unknown screen"}


def _screen_gone(request: HttpRequest, state: str, status: int) -> HttpResponse:
    context = {"title": SCREEN_GONE[state], "state": state}
    return render(request, "walls/screen_gone.html", context, status=status)
