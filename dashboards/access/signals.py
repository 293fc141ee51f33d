"""When a person's access ends, every web process is told to close their sockets at once.

Logout ends that session; deactivation, a password change or deleting the account ends all of
that user's sessions; revoking or deleting a kiosk token ends that wall screen's sockets. Each
is published on the access channel (core/redis_keys.py), which every web process listens to
(dashboards/access/revocation.py); a process also re-checks its sockets' sessions and kiosk
tokens every few seconds, which catches what no signal reports (expiry, a session deleted in
bulk, Redis away when the signal fired).
"""

import json
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from core.redis_clients import REDIS_ERRORS, redis_client
from core.redis_keys import redis_keys
from dashboards.access.sessions import session_tag
from dashboards.walls.models import KioskToken

log = logging.getLogger(__name__)


def announce(
    *,
    user_id: int | None = None,
    session_key: str | None = None,
    kiosk_id: int | None = None,
    why: str,
) -> None:
    """Tell every web process to close the sockets of this user, this session or this kiosk."""
    message = {"why": why}
    if user_id is not None:
        message["user"] = user_id
    if kiosk_id is not None:
        message["kiosk"] = kiosk_id
    if session_key:
        message["session"] = session_tag(session_key)
    channel = redis_keys(settings.MONITOR_REDIS_PREFIX).access_channel
    try:
        redis_client(settings.REDIS_URL).publish(channel, json.dumps(message))
    except REDIS_ERRORS as exc:
        # The sweep closes them within seconds all the same.
        log.warning("could not announce that access ended (%s): %s", why, type(exc).__name__)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs) -> None:
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        announce(session_key=session_key, why="signed out")


@receiver(pre_save, sender=get_user_model())
def _access_changing(sender, instance, raw=False, **kwargs) -> None:
    """Notes what a save will change; announced once it is committed (post_save)."""
    instance._access_change = None
    if raw or instance.pk is None:
        return
    before = sender._default_manager.filter(pk=instance.pk).values("is_active", "password").first()
    if before is None:
        return
    if before["is_active"] and not instance.is_active:
        instance._access_change = "account deactivated"
    elif before["password"] != instance.password:
        instance._access_change = "password changed"


@receiver(post_save, sender=get_user_model())
def _access_changed(sender, instance, **kwargs) -> None:
    why = getattr(instance, "_access_change", None)
    if why:
        instance._access_change = None
        # After the commit: a socket closed before it would reconnect on the old state.
        user_id = instance.pk
        transaction.on_commit(lambda: announce(user_id=user_id, why=why))


@receiver(post_delete, sender=get_user_model())
def _deleted(sender, instance, **kwargs) -> None:
    announce(user_id=instance.pk, why="account deleted")


@receiver(pre_save, sender=KioskToken)
def _kiosk_revoking(sender, instance, raw=False, **kwargs) -> None:
    """A save that revokes a kiosk (the admin's form): announced once committed. The revoke
    command and the admin action revoke in bulk and announce themselves (walls/kiosks.py)."""
    instance._revoking = False
    if raw or instance.pk is None or instance.revoked_at is None:
        return
    before = sender._default_manager.filter(pk=instance.pk).values("revoked_at").first()
    instance._revoking = before is not None and before["revoked_at"] is None


@receiver(post_save, sender=KioskToken)
def _kiosk_revoked(sender, instance, **kwargs) -> None:
    if getattr(instance, "_revoking", False):
        instance._revoking = False
        kiosk_id = instance.pk
        transaction.on_commit(lambda: announce(kiosk_id=kiosk_id, why="this screen was revoked"))


@receiver(post_delete, sender=KioskToken)
def _kiosk_deleted(sender, instance, **kwargs) -> None:
    announce(kiosk_id=instance.pk, why="this screen was deleted")
