"""Kiosk tokens: what a wall screen holds instead of a person's session (docs/walls.md).

A token is 43 random URL-safe characters after ``k_``, kept only as its sha256 (as API tokens
are, dashboards/api/models.py). It shows one dashboard read-only and nothing else, never expires
unless given an end date, and lives in the database, so restarts of the web server or Redis do
not touch it. Revoking one tells every web process to close its sockets (access/signals.py);
their sweep re-checks the tokens of open kiosk sockets too (access/revocation.py).
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dashboards.walls.models import Dashboard, KioskToken, Playlist

PREFIX = "k_"
START_CHARS = 10
# last_seen_at tells people a screen is still there, it is no audit log: written at most this often.
TOUCH_EVERY = timedelta(minutes=1)
MAX_SECRET = 100


class KioskError(Exception):
    """A kiosk that cannot be made or found; the message says why."""


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def kiosk_url(secret: str) -> str:
    """The absolute address of the screen: the public address (MONITOR_EXTERNAL_URL, which is
    MONITOR_PUBLIC_URL when set), else the one the web server listens on."""
    return f"{settings.MONITOR_EXTERNAL_URL.rstrip('/')}/k/{secret}/"


def create_kiosk(
    slug: str | None, name: str, expires_at=None, playlist: str | None = None
) -> tuple[KioskToken, str]:
    """A new token and its secret (the only time the secret exists outside the screen). With a
    playlist the screen turns through it; ``slug`` (default: the playlist's first dashboard) is
    what it shows should the playlist be emptied or deleted."""
    found = None
    if playlist:
        found = Playlist.objects.filter(name=playlist).first()
        if found is None:
            raise KioskError(
                f"there is no playlist {playlist!r} (manage.py dashboards export lists them)"
            )
        first = found.entries.select_related("dashboard").first()
        if first is None:
            raise KioskError(f"playlist {playlist!r} has no dashboards yet")
        slug = slug or first.dashboard.slug
    if not slug:
        raise KioskError("give --dashboard SLUG, --playlist NAME, or both")
    board = Dashboard.objects.filter(slug=slug).first()
    if board is None:
        raise KioskError(f"there is no dashboard {slug!r} (manage.py dashboards export lists them)")
    if not name.strip():
        raise KioskError("a kiosk needs a name")
    if KioskToken.objects.filter(name=name).exists():
        raise KioskError(f"there is a kiosk named {name!r} already (revoke it, or pick a name)")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = KioskToken.objects.create(
        name=name, start=secret[:START_CHARS], digest=digest(secret), dashboard=board,
        playlist=found, expires_at=expires_at,
    )  # fmt: skip
    return token, secret


def usable(token: KioskToken, now=None) -> bool:
    now = now or timezone.now()
    return token.revoked_at is None and (token.expires_at is None or token.expires_at > now)


def find_kiosk(secret: str) -> KioskToken | None:
    """The token with this secret, revoked or not (None: unknown)."""
    if not secret.startswith(PREFIX) or len(secret) > MAX_SECRET:
        return None
    tokens = KioskToken.objects.select_related("dashboard", "playlist")
    return tokens.filter(digest=digest(secret)).first()


def touch(token: KioskToken) -> None:
    now = timezone.now()
    if token.last_seen_at is None or now - token.last_seen_at > TOUCH_EVERY:
        KioskToken.objects.filter(pk=token.pk).update(last_seen_at=now)
        token.last_seen_at = now


def revoke_kiosks(queryset) -> int:
    """Revokes the tokens of ``queryset`` not revoked yet; their screens close within seconds."""
    with transaction.atomic():
        ids = list(queryset.filter(revoked_at__isnull=True).values_list("pk", flat=True))
        KioskToken.objects.filter(pk__in=ids).update(revoked_at=timezone.now())
        transaction.on_commit(lambda: announce_revoked(ids))
    return len(ids)


def announce_revoked(ids) -> None:
    from dashboards.access.signals import announce

    for kiosk_id in ids:
        announce(kiosk_id=kiosk_id, why="this screen was revoked")


def ended_kiosks(ids) -> set[int]:
    """Of these token ids, those that no longer let their screen in (revoked, expired, gone)."""
    ids = set(ids)
    alive = KioskToken.objects.filter(pk__in=ids, revoked_at__isnull=True)
    alive = alive.exclude(expires_at__lte=timezone.now()).values_list("pk", flat=True)
    return ids - set(alive)
