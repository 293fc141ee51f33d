"""Sockets whose access ended are closed, in every web process, within seconds.

Each web process listens on the access channel (dashboards/access/signals.py announces logouts,
deactivations, password changes and deleted accounts there) and closes the matching sockets at
once; every SWEEP_S it also re-checks the sessions behind all its sockets in two queries
(sessions.py), and the kiosk tokens behind its wall screens in one (walls/kiosks.py), which
catches expiry and anything no signal reported. A closed screen gets close 4401: the page reloads
instead of reconnecting, and lands on the login page (or a kiosk on its "revoked" page). A
kiosk socket answers to its token alone: no session's end touches it.
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
from dashboards.walls.kiosks import ended_kiosks

log = logging.getLogger(__name__)

SWEEP_S = 5.0
RESUBSCRIBE_AFTER_S = 1.0
# Posted to a consumer whose access ended (LiveConsumer.access_ended).
ACCESS_ENDED = "access.ended"


class Holder:
    """A person holds a socket: their session and account are what its access is checked
    against."""

    def __init__(self, user_id: int, session_key: str) -> None:
        self.user_id = user_id
        self.session_key = session_key
        self.tag = session_tag(session_key)

    def named_by(self, message: dict) -> bool:
        return message.get("user") == self.user_id or message.get("session") == self.tag


class KioskHolder:
    """A wall screen holds a socket: its kiosk token alone is checked."""

    def __init__(self, kiosk_id: int) -> None:
        self.kiosk_id = kiosk_id

    def named_by(self, message: dict) -> bool:
        return message.get("kiosk") == self.kiosk_id


# Open sockets of this process -> their holder.
HOLDERS: "weakref.WeakKeyDictionary[object, Holder | KioskHolder]" = weakref.WeakKeyDictionary()


def hold(consumer, user_id: int, session_key: str | None) -> None:
    if session_key:
        HOLDERS[consumer] = Holder(user_id, session_key)


def hold_kiosk(consumer, kiosk_id: int) -> None:
    HOLDERS[consumer] = KioskHolder(kiosk_id)


def let_go(consumer) -> None:
    HOLDERS.pop(consumer, None)


def _end(consumers, why: str) -> int:
    for consumer in consumers:
        HOLDERS.pop(consumer, None)
        consumer.inbox.post({"type": ACCESS_ENDED, "why": why})
    return len(consumers)


def matching(message: dict) -> list:
    return [c for c, h in list(HOLDERS.items()) if h.named_by(message)]


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
        sessions = {h.session_key: h.user_id for _, h in held if isinstance(h, Holder)}
        kiosks = {h.kiosk_id for _, h in held if isinstance(h, KioskHolder)}
        try:
            ended = await database_sync_to_async(_ended)(sessions, kiosks)
        except DatabaseError as exc:  # the database is away: keep the sockets, check again
            self._database.failed(exc)
            return 0
        except Exception:  # the sweep must outlive anything; say so once, try again next time
            log.exception("checking the sessions of open sockets failed")
            return 0
        self._database.succeeded()
        gone_sessions, gone_kiosks = ended
        closed = _end(
            [c for c, h in held if isinstance(h, Holder) and h.session_key in gone_sessions],
            "session ended",
        )
        closed_kiosks = _end(
            [c for c, h in held if isinstance(h, KioskHolder) and h.kiosk_id in gone_kiosks],
            "this screen was revoked",
        )
        if closed:
            log.info("closed %d sockets whose session ended", closed)
        if closed_kiosks:
            log.info("closed %d kiosk sockets whose token was revoked or expired", closed_kiosks)
        return closed + closed_kiosks


def _ended(sessions: dict[str, int], kiosks: set[int]) -> tuple[set[str], set[int]]:
    """The sessions and the kiosk tokens of open sockets that no longer let them in."""
    return (
        ended_sessions(sessions) if sessions else set(),
        ended_kiosks(kiosks) if kiosks else set(),
    )
