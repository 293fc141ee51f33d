"""`/d/`: the saved dashboards; `/d/<slug>/` one of them; `/d/<slug>/layout.json` its layout,
downloaded by anyone signed in and uploaded by an admin (all or nothing); `/p/<name>/` a
playlist; `/k/<secret>/` a wall screen's dashboard or playlist by its kiosk token (kiosks.py)."""

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from dashboards.alerts.roles import ADMIN, role_of
from dashboards.fleet.models import Host
from dashboards.fleet.views import _live_context
from dashboards.walls.kiosks import find_kiosk, touch, usable
from dashboards.walls.layout import LayoutError, validate_layout
from dashboards.walls.models import Dashboard, Playlist
from dashboards.walls.programs import kiosk_program, program


@login_required
def dashboard_list(request: HttpRequest) -> HttpResponse:
    playlists = Playlist.objects.prefetch_related("entries__dashboard")
    context = {"dashboards": Dashboard.objects.all(), "playlists": playlists}
    return render(request, "walls/list.html", context)


@login_required
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """The dashboard's panels; ``?kiosk`` hides the chrome (as every kiosk URL does)."""
    board = get_object_or_404(Dashboard, slug=slug)
    return render_program(request, program(board), kiosk="kiosk" in request.GET, board=board)


@login_required
def playlist(request: HttpRequest, name: str) -> HttpResponse:
    """A playlist turning in a person's browser, as a kiosk screen would show it."""
    found = get_object_or_404(Playlist, name=name)
    if not found.entries.exists():
        raise Http404("this playlist has no dashboards yet")
    return render_program(request, program(playlist=found), kiosk="kiosk" in request.GET)


def render_program(
    request: HttpRequest,
    shown: dict,
    kiosk: bool = False,
    ws_path: str | None = None,
    board: Dashboard | None = None,
) -> HttpResponse:
    """The page draws the panels itself (board/ in frontend/static/js) from the program: its
    dashboards' layouts and what the one socket follows for all of them. ``kiosk``: no chrome,
    big type, nothing to click (kiosks serve wall screens so, with their own socket at
    ``ws_path``). ``board``: the one dashboard shown, which an admin may edit on the page."""
    live = _live_context()
    follows = shown["subscriptions"]["subscribe"]
    hosts = Host.objects.all()
    if follows is not None and follows["hosts"] != "*":
        hosts = hosts.filter(name__in=follows["hosts"])
    charts = any(
        panel["type"] == "chart" for item in shown["boards"] for panel in item["layout"]["panels"]
    )
    context = {
        **live,
        "ws_path": ws_path or live["ws_path"],
        "kiosk": kiosk,
        "program": shown,
        "first": shown["boards"][0],
        "charts": charts,
        "hosts": [host.record() for host in hosts] if follows is not None else [],
        "dashboard": board,
        "layout": board.layout if board is not None else None,
        "can_edit": board is not None and not kiosk and role_of(request.user) == ADMIN,
    }
    if kiosk:
        context["can_respond"] = False  # nothing to acknowledge with, whoever looks
    return render(request, "walls/dashboard.html", context)


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
        response = render_program(
            request, kiosk_program(token), kiosk=True, ws_path=f"/ws/kiosk/{secret}/"
        )
    # The address is the credential: kept out of caches and of other sites' logs.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


SCREEN_GONE = {"revoked": "This screen was revoked", "unknown": "Unknown screen"}


def _screen_gone(request: HttpRequest, state: str, status: int) -> HttpResponse:
    context = {"title": SCREEN_GONE[state], "state": state}
    return render(request, "walls/screen_gone.html", context, status=status)
