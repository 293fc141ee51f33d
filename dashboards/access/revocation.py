"""Sockets whose access ended are closed, in every web process, within seconds.

Each web process listens on the access channel (dashboards/access/signals.py announces logouts,
deactivations, password changes and deleted accounts there) and closes the matching sockets at
once; every SWEEP_S it also re-checks the sessions behind all its sockets in two queries
(sessions.py), which catches expiry and anything no signal reported. A closed screen gets close
4401: the page goes to the login page instead of reconnecting.
"""

import asyncio
import contextlib
import json
import logging
import weakref

import redis.asyncio as aioredis
from channels.db import database_sync_to_async
from django.db import DatabaseError

from core.outages import OutageLog
from core.redis_clients import REDIS_ERRORS
from dashboards.access.sessions import ended_sessions, session_tag

log = logging.getLogger(__name__)

SWEEP_S = 5.0
RESUBSCRIBE_AFTER_S = 1.0
# Posted to a consumer whose access ended (LiveConsumer.access_ended).
ACCESS_ENDED = "access.ended"


class Holder:
    """Who holds a socket: what its access is checked against."""

    def __init__(self, user_id: int, session_key: str) -> None:
        self.user_id = user_id
        self.session_key = session_key
        self.tag = session_tag(session_key)


# Open sockets of this process -> their holder.
HOLDERS: "weakref.WeakKeyDictionary[object, Holder]" = weakref.WeakKeyDictionary()


def hold(consumer, user_id: int, session_key: str | None) -> None:
    if session_key:
        HOLDERS[consumer] = Holder(user_id, session_key)


def let_go(consumer) -> None:
    HOLDERS.pop(consumer, None)


def _end(consumers, why: str) -> int:
    for consumer in consumers:
        HOLDERS.pop(consumer, None)
        consumer.inbox.post({"type": ACCESS_ENDED, "why": why})
    return len(consumers)


def matching(message: dict) -> list:
    user, tag = message.get("user"), message.get("session")
    return [c for c, h in list(HOLDERS.items()) if h.user_id == user or h.tag == tag]


class AccessWatch:
    """The access channel and the sweep, for one web process's event loop."""

    def __init__(self, client: aioredis.Redis, channel: str, sweep_s: float = SWEEP_S) -> None:
        self._client = client
        self._channel = channel
        self._sweep_s = sweep_s
        self._database = OutageLog(log, "checking the sessions of open sockets")

    async def run(self) -> None:
        await asyncio.gather(self._listen(), self._sweep())

    async def _listen(self) -> None:
        while True:
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self._channel)
                async for item in pubsub.listen():
                    self.announced(item.get("data"))
            except REDIS_ERRORS:
                # Redis away: the sweep still runs on the database; listen again once back.
                await asyncio.sleep(RESUBSCRIBE_AFTER_S)
            finally:
                with contextlib.suppress(*REDIS_ERRORS, RuntimeError):
                    await pubsub.aclose()

    def announced(self, data) -> None:
        try:
            message = json.loads(data)
        except (TypeError, ValueError):
            return
        if not isinstance(message, dict):
            return
        closed = _end(matching(message), str(message.get("why", "access ended")))
        if closed:
            log.info("closed %d sockets: %s", closed, message.get("why"))

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(self._sweep_s)
            await self.sweep()

    async def sweep(self) -> int:
        held = list(HOLDERS.items())
        if not held:
            return 0
        sessions = {h.session_key: h.user_id for _, h in held}
        try:
            ended = await database_sync_to_async(ended_sessions)(sessions)
        except DatabaseError as exc:  # the database is away: keep the sockets, check again
            self._database.failed(exc)
            return 0
        except Exception:  # the sweep must outlive anything; say so once, try again next time
            log.exception("checking the sessions of open sockets failed")
            return 0
        self._database.succeeded()
        closed = _end([c for c, h in held if h.session_key in ended], "session ended")
        if closed:
            log.info("closed %d sockets whose session ended", closed)
        return closed
