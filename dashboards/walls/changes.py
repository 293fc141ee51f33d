"""Screens learn at once that what they show changed: saving or deleting a dashboard or a
playlist (page, admin, file, API) sends a ``dashboard`` frame to every socket, once the change
is committed; a page showing it reloads (docs/protocol.md), a kiosk with its new scope. So does
a kiosk whose token is switched to another dashboard or playlist."""

import contextlib
import json

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from core.redis_clients import REDIS_ERRORS
from dashboards.alerts.mirror import ALERTS_GROUP  # every socket's group

WALLS_CHANGED = "walls.changed"  # handled by LiveConsumer.walls_changed
# The frame's type: dashboards/stream/protocol.py's DASHBOARD (the stream imports walls, never
# the other way round; a test holds the two together).
FRAME_TYPE = "dashboard"


def frame(kind: str, name: str, event: str = "changed") -> str:
    """A saved dashboard (``kind`` "dashboard") or a playlist was changed or deleted."""
    return json.dumps({"type": FRAME_TYPE, "event": event, kind: name}, separators=(",", ":"))


def announce(kind: str, name: str, event: str = "changed") -> None:
    text = frame(kind, name, event)

    def send() -> None:
        # A lost announcement leaves a screen on what it had until its next reload: never worse.
        with contextlib.suppress(*REDIS_ERRORS, OSError):
            async_to_sync(get_channel_layer().group_send)(
                ALERTS_GROUP, {"type": WALLS_CHANGED, "text": text}
            )

    transaction.on_commit(send)


def _dashboard_saved(sender, instance, **kwargs) -> None:
    announce("dashboard", instance.slug, "deleted" if "created" not in kwargs else "changed")


def _playlist_saved(sender, instance, **kwargs) -> None:
    announce("playlist", instance.name, "deleted" if "created" not in kwargs else "changed")


def _entry_saved(sender, instance, **kwargs) -> None:
    with contextlib.suppress(sender.playlist.RelatedObjectDoesNotExist):
        announce("playlist", instance.playlist.name)


def _kiosk_saved(sender, instance, created=False, **kwargs) -> None:
    if created:
        return  # no screen shows it yet
    # A token switched to another dashboard or playlist (the admin, the screens registry):
    # its screen reloads onto it. (Revoking and last-seen updates write without signals.)
    announce("kiosk", instance.name)


def connect() -> None:
    from dashboards.walls.models import Dashboard, KioskToken, Playlist, PlaylistEntry

    post_save.connect(_kiosk_saved, sender=KioskToken, dispatch_uid="walls-kiosk-saved")
    for signal in (post_save, post_delete):
        signal.connect(_dashboard_saved, sender=Dashboard, dispatch_uid=f"walls-d-{signal}")
        signal.connect(_playlist_saved, sender=Playlist, dispatch_uid=f"walls-p-{signal}")
        signal.connect(_entry_saved, sender=PlaylistEntry, dispatch_uid=f"walls-e-{signal}")
