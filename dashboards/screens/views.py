"""`/screens/`: every registered screen, live (the page polls `screens.json`), and what an admin
tells one of them: reload, identify (its name in huge letters for 10 s), show another dashboard
or playlist. Admins only; everyone else gets 403, anonymous visitors the login page."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from dashboards.alerts.roles import ADMIN, role_of
from dashboards.screens import registry
from dashboards.screens.commands import send_command
from dashboards.screens.models import KIOSK, OFFLINE_AFTER_S, Screen
from dashboards.stream import protocol as p
from dashboards.walls.kiosks import usable
from dashboards.walls.models import Dashboard, Playlist


def admins_only(view):
    @login_required
    @wraps(view)
    def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if role_of(request.user) != ADMIN:
            raise PermissionDenied("only an admin may see and command the screens")
        return view(request, *args, **kwargs)

    return checked


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def _choices() -> dict:
    playlists = Playlist.objects.filter(entries__isnull=False).distinct()
    return {
        "dashboards": [{"slug": b.slug, "title": b.title} for b in Dashboard.objects.all()],
        "playlists": [{"name": playlist.name} for playlist in playlists],
    }


@require_GET
@admins_only
def screen_list(request: HttpRequest) -> HttpResponse:
    context = {
        "initial": registry.listing(),
        "choices": _choices(),
        "offline_after_s": OFFLINE_AFTER_S,
    }
    return render(request, "screens/list.html", context)


@require_GET
@admins_only
def screens_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(registry.listing())


def _screen(pk: int) -> Screen:
    return get_object_or_404(Screen.objects.select_related("kiosk"), pk=pk)


def _online(screen: Screen) -> bool:
    return registry.state_of(screen, timezone.now()) == registry.ONLINE


def _offline(screen: Screen) -> JsonResponse:
    return _error(409, "offline", f"{screen.name} is offline: nothing would hear the command")


def _command(pk: int, command: str) -> JsonResponse:
    """Reload or identify an online screen (409 ``offline`` otherwise)."""
    screen = _screen(pk)
    if not _online(screen):
        return _offline(screen)
    fields = {"name": screen.name} if command == p.IDENTIFY else {}
    send_command(screen.pk, command, **fields)
    return JsonResponse({"sent": True, "saved": False, "screen": screen.name})


@require_POST
@admins_only
def reload(request: HttpRequest, pk: int) -> JsonResponse:
    return _command(pk, p.RELOAD)


@require_POST
@admins_only
def identify(request: HttpRequest, pk: int) -> JsonResponse:
    return _command(pk, p.IDENTIFY)


def _target(form) -> Dashboard | Playlist | JsonResponse:
    """The form's ``dashboard`` (a slug) or ``playlist`` (a name, with dashboards), or a 400."""
    slug, name = form.get("dashboard", ""), form.get("playlist", "")
    if bool(slug) == bool(name):
        return _error(400, "bad_field", "give either 'dashboard' (a slug) or 'playlist' (a name)")
    if slug:
        board = Dashboard.objects.filter(slug=slug).first()
        return board or _error(400, "bad_field", f"'dashboard': no dashboard {slug[:50]!r}")
    playlist = Playlist.objects.filter(name=name, entries__isnull=False).first()
    return playlist or _error(
        400, "bad_field", f"'playlist': no playlist {name[:50]!r} with dashboards"
    )


@require_POST
@admins_only
def show(request: HttpRequest, pk: int) -> JsonResponse:
    """Form field ``dashboard`` or ``playlist``. A kiosk's token is switched and the screen told
    to reload; the switch is kept even while the kiosk is offline, and shown when it is back. A
    person's page is sent to the dashboard's or playlist's page, keeping its ``?screen``."""
    screen = _screen(pk)
    target = _target(request.POST)
    if isinstance(target, JsonResponse):
        return target
    online = _online(screen)
    if screen.kind == KIOSK:
        token = screen.kiosk
        if token is None or not usable(token):
            message = f"{screen.name}'s kiosk token was revoked, expired or deleted"
            return _error(409, "gone", message)
        if isinstance(target, Dashboard):
            token.dashboard, token.playlist = target, None
        else:
            token.playlist = target  # its dashboard stays, shown should the playlist be emptied
        token.save(update_fields=["dashboard", "playlist"])
        if online:
            send_command(screen.pk, p.RELOAD)
        return JsonResponse({"sent": online, "saved": True, "screen": screen.name})
    if not online:
        return _offline(screen)
    if isinstance(target, Dashboard):
        page = reverse("dashboard", args=[target.slug])
    else:
        page = reverse("playlist", args=[target.name])
    send_command(screen.pk, p.SHOW, url=f"{page}?{urlencode({'screen': screen.name})}")
    return JsonResponse({"sent": True, "saved": False, "screen": screen.name})
