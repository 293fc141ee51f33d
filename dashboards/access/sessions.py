"""Who the sessions of sockets belong to, looked up in bulk: at connect and in the sweep.

The same rules as ``django.contrib.auth.get_user`` (and Channels' AuthMiddleware) apply: the
session exists and has not expired, names a user and the backend that signed them in, carries
the hash of the user's current password, and the user is active. Two queries for any number of
sessions: in a reconnect storm the per-socket lookups (two ORM queries each, in Channels' one
database thread) were two fifths of the web process's CPU (py-spy, bench/storm.py).
"""

import functools
import hashlib

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
    load_backend,
)
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.crypto import constant_time_compare


def session_tag(session_key: str) -> str:
    """What names a session outside the database (Redis messages, logs): a session key is a
    password to the account, its hash is not."""
    return hashlib.sha256(session_key.encode()).hexdigest()[:32]


def signed_in_users(session_keys) -> dict[str, tuple[dict, object]]:
    """``{session_key: (session data, user)}`` for the keys whose session lets its user in."""
    keys = [key for key in set(session_keys) if key]
    if not keys:
        return {}
    rows = Session.objects.filter(session_key__in=keys, expire_date__gt=timezone.now())
    decoded = {row.session_key: row.get_decoded() for row in rows}
    user_ids = {}
    for key, data in decoded.items():
        try:
            user_ids[key] = get_user_model()._meta.pk.to_python(data[SESSION_KEY])
        except (KeyError, ValueError, TypeError, ValidationError):
            continue
    users = get_user_model()._default_manager.in_bulk(set(user_ids.values()))
    found = {}
    for key, user_id in user_ids.items():
        user = users.get(user_id)
        if user is not None and _still_signed_in(decoded[key], user):
            found[key] = (decoded[key], user)
    return found


def ended_sessions(sessions: dict[str, int]) -> set[str]:
    """Of ``{session_key: user_id}``, the session keys that no longer let that user in."""
    alive = signed_in_users(sessions)
    ended = set()
    for key, user_id in sessions.items():
        found = alive.get(key)
        if found is None or found[1].pk != user_id:
            ended.add(key)
    return ended


@functools.cache
def _backend(path: str):
    return load_backend(path)


def _still_signed_in(data: dict, user) -> bool:
    backend_path = data.get(BACKEND_SESSION_KEY)
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return False
    # ModelBackend's get_user refuses inactive users; so does this (other backends: theirs).
    backend = _backend(backend_path)
    if isinstance(backend, ModelBackend):
        if not backend.user_can_authenticate(user):
            return False
    elif backend.get_user(user.pk) is None:
        return False
    stored = data.get(HASH_SESSION_KEY)
    return bool(stored) and constant_time_compare(stored, user.get_session_auth_hash())
