"""The screens registry's database side: what a socket's reports write (one small query each,
every protocol.SCREEN_EVERY_S per screen), and the rows /screens/ shows."""

from datetime import datetime

from django.utils import timezone

from dashboards.screens.models import KIOSK, PAGE, Screen
from dashboards.screens.reports import ScreenReport
from dashboards.walls.kiosks import usable
from dashboards.walls.models import KioskToken

ONLINE, OFFLINE, NEVER, REVOKED, EXPIRED = "online", "offline", "never", "revoked", "expired"


def kiosk_key(kiosk_id: int) -> str:
    return f"{KIOSK}:{kiosk_id}"


def page_key(user_id: int, page_id: str) -> str:
    """One person's browser: the user is part of the key, so nobody can report as another's."""
    return f"{PAGE}:{user_id}:{page_id}"


def _measures(report: ScreenReport, channel_name: str, now: datetime) -> dict:
    return {
        "shows": report.shows,
        "latency_s": report.latency_s,
        "data_age_s": report.data_age_s,
        "browser": report.browser,
        "resolution": report.resolution,
        "last_heartbeat_at": now,
        "disconnected_at": None,
        "channel_name": channel_name,
    }


def record_report(
    pk: int | None,
    report: ScreenReport,
    channel_name: str,
    kiosk_id: int | None = None,
    user_id: int | None = None,
) -> int:
    """Write a socket's report and return its screen's pk. ``pk`` None (the socket's first
    report) makes the row or takes it over, connected from now; otherwise the row's figures and
    heartbeat are updated (made again if an admin deleted it meanwhile)."""
    now = timezone.now()
    fields = _measures(report, channel_name, now)
    if pk is not None:
        changes = fields if report.name is None else {**fields, "name": report.name}
        if Screen.objects.filter(pk=pk).update(**changes):
            return pk
    if kiosk_id is not None:
        token = KioskToken.objects.filter(pk=kiosk_id).only("name").first()
        key = kiosk_key(kiosk_id)
        fields.update(name=token.name if token else key, kiosk=token, user_id=None)
    else:
        key = page_key(user_id, report.page_id)
        fields.update(name=report.name, kiosk=None, user_id=user_id)
    screen, _ = Screen.objects.update_or_create(key=key, defaults={**fields, "connected_at": now})
    return screen.pk


def disconnected(pk: int, channel_name: str) -> None:
    """The socket of screen ``pk`` closed. Unless another socket of the same screen (a second tab)
    reported since, the screen is offline from now."""
    Screen.objects.filter(pk=pk, channel_name=channel_name, disconnected_at__isnull=True).update(
        disconnected_at=timezone.now()
    )


def state_of(screen: Screen, now: datetime) -> str:
    token = screen.kiosk
    if token is not None and token.revoked_at is not None:
        return REVOKED
    if token is not None and not usable(token, now):
        return EXPIRED
    return ONLINE if screen.online(now) else OFFLINE


def assigned(token: KioskToken | None) -> str:
    """What a kiosk's token is set to show (a playlist wins while it has entries)."""
    if token is None:
        return ""
    # entries.all(): prefetched by listing(), one query for every row rather than one each
    if token.playlist is not None and token.playlist.entries.all():
        return f"playlist {token.playlist.name}"
    return f"dashboard {token.dashboard.slug}"


def _ts(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None


def screen_row(screen: Screen, now: datetime) -> dict:
    state = state_of(screen, now)
    return {
        "id": screen.pk,
        "kiosk_id": screen.kiosk_id,
        "name": screen.name,
        "kind": screen.kind,
        "user": screen.user.get_username() if screen.user is not None else None,
        "shows": screen.shows,
        "assigned": assigned(screen.kiosk),
        "state": state,
        "online": state == ONLINE,
        "connected_at": _ts(screen.connected_at),
        "disconnected_at": _ts(screen.disconnected_at),
        "last_heartbeat_at": _ts(screen.last_heartbeat_at),
        "heartbeat_age_s": max(0.0, (now - screen.last_heartbeat_at).total_seconds()),
        "latency_s": screen.latency_s,
        "data_age_s": screen.data_age_s,
        "browser": screen.browser,
        "resolution": screen.resolution,
    }


def never_connected_row(token: KioskToken) -> dict:
    return {
        "id": None, "kiosk_id": token.pk, "name": token.name, "kind": KIOSK, "user": None,
        "shows": "", "assigned": assigned(token), "state": NEVER, "online": False,
        "connected_at": None, "disconnected_at": None, "last_heartbeat_at": None,
        "heartbeat_age_s": None, "latency_s": None, "data_age_s": None, "browser": "",
        "resolution": "",
    }  # fmt: skip


def listing(now: datetime | None = None) -> dict:
    """Every screen that ever registered, and the usable kiosks that never did: kiosks first,
    then people's pages, each by name (a row keeps its place as its state changes)."""
    now = now or timezone.now()
    screens = Screen.objects.select_related("kiosk__dashboard", "kiosk__playlist", "user")
    screens = screens.prefetch_related("kiosk__playlist__entries")
    rows = [screen_row(screen, now) for screen in screens]
    waiting = KioskToken.objects.filter(screens__isnull=True, revoked_at__isnull=True)
    waiting = waiting.select_related("dashboard", "playlist").prefetch_related("playlist__entries")
    rows += [never_connected_row(token) for token in waiting if usable(token, now)]
    rows.sort(key=lambda row: (row["kind"] != KIOSK, row["name"].casefold(), row["id"] or 0))
    return {"now": now.timestamp(), "screens": rows}
