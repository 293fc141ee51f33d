"""Whether the sessions behind open sockets still let their users in, checked in bulk.

The same rules as ``django.contrib.auth.get_user`` applies to a request: the session exists and
has not expired, names the user, carries the hash of the user's current password, and the user
is active. Two queries however many sockets a process holds.
"""

import hashlib

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.utils import timezone
from django.utils.crypto import constant_time_compare


def session_tag(session_key: str) -> str:
    """What names a session outside the database (Redis messages, logs): a session key is a
    password to the account, its hash is not."""
    return hashlib.sha256(session_key.encode()).hexdigest()[:32]


def ended_sessions(sessions: dict[str, int]) -> set[str]:
    """Of ``{session_key: user_id}``, the session keys that no longer let that user in."""
    if not sessions:
        return set()
    rows = Session.objects.filter(session_key__in=list(sessions), expire_date__gt=timezone.now())
    decoded = {row.session_key: row.get_decoded() for row in rows}
    users = get_user_model()._default_manager.in_bulk(set(sessions.values()))
    ended = set()
    for key, user_id in sessions.items():
        data = decoded.get(key)
        user = users.get(user_id)
        if data is None or user is None or not _still_signed_in(data, user):
            ended.add(key)
    return ended


def _still_signed_in(data: dict, user) -> bool:
    if str(data.get(SESSION_KEY)) != str(user.pk) or not data.get(BACKEND_SESSION_KEY):
        return False
    if not getattr(user, "is_active", True):
        return False
    stored = data.get(HASH_SESSION_KEY)
    return bool(stored) and constant_time_compare(stored, user.get_session_auth_hash())
