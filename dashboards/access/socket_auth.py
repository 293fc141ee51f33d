"""Who opens a socket: the session cookie's user, looked up for many handshakes at once.

Channels' AuthMiddlewareStack runs two ORM queries per handshake (the session, then the user),
each through its one database thread: in a reconnect storm of 2,000 screens that was two
fifths of the web process's CPU, and every screen queued behind the others' lookups. Here a
handshake asks the loader for its session; while one lookup runs, the keys that arrive meanwhile
wait for the next, so a storm costs a few dozen bulk queries (sessions.py) and a quiet server
still answers each handshake at once. The rules are Django's own (sessions.signed_in_users).
"""

import asyncio
import re

from channels.db import database_sync_to_async
from channels.sessions import CookieMiddleware
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore

from dashboards.access.sessions import signed_in_users

# Django's session keys are 32 lower-case letters and digits; anything else (a NUL that the
# database refuses, a megabyte of text) is no session, and must not fail the batch it is in.
SESSION_KEY_SHAPE = re.compile(r"\A[a-z0-9]{8,64}\Z")
# At most this many keys per query (PostgreSQL takes 65,535 parameters).
BATCH_MAX = 500


class SessionLoader:
    """Bulk lookups of session keys, one in flight at a time, per event loop."""

    def __init__(self) -> None:
        self._waiting: dict[str, list[asyncio.Future]] = {}
        self._running: asyncio.Task | None = None

    async def load(self, session_key: str) -> tuple[dict, object] | None:
        future = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(session_key, []).append(future)
        if self._running is None:
            self._running = asyncio.ensure_future(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                keys = list(self._waiting)[:BATCH_MAX]
                batch = {key: self._waiting.pop(key) for key in keys}
                try:
                    found = await database_sync_to_async(signed_in_users)(list(batch))
                except Exception as exc:  # every waiter hears of it, none hangs
                    for futures in batch.values():
                        for future in futures:
                            if not future.done():
                                future.set_exception(exc)
                    continue
                for key, futures in batch.items():
                    for future in futures:
                        if not future.done():
                            future.set_result(found.get(key))
        finally:
            self._running = None


_loaders: dict[asyncio.AbstractEventLoop, SessionLoader] = {}


def loader() -> SessionLoader:
    loop = asyncio.get_running_loop()
    if loop not in _loaders:
        _loaders[loop] = SessionLoader()
    return _loaders[loop]


class SessionAuthMiddleware:
    """Puts ``session`` and ``user`` in a WebSocket scope, as Channels' stack does."""

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        session_key = scope.get("cookies", {}).get(settings.SESSION_COOKIE_NAME)
        if session_key and not SESSION_KEY_SHAPE.match(session_key):
            session_key = None  # not a key Django made: never sent to the database
        found = await loader().load(session_key) if session_key else None
        session = SessionStore(session_key=session_key if found else None)
        user = AnonymousUser()
        if found is not None:
            data, user = found
            session._session_cache = data  # already read: no second query
        return await self.application({**scope, "session": session, "user": user}, receive, send)


def SocketAuth(inner):  # a middleware stack, named like Channels' AuthMiddlewareStack
    return CookieMiddleware(SessionAuthMiddleware(inner))
