"""The stream at /ws/kiosk/<secret>/ for wall screens: a LiveConsumer held by a kiosk token
(walls/kiosks.py) instead of a session, read-only and held to what its dashboards show (one,
or a playlist's).

The token is found once, at connect; a session cookie the browser may also carry is ignored. An
unknown, revoked or expired token gets the socket accepted and closed at once with 4401, which
the page answers by reloading: the kiosk page then shows "this screen was revoked" (a refused
handshake would leave it retrying for ever). Revoking the token later closes the socket the
same way (access/revocation.py).
"""

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError

from dashboards.access.revocation import hold_kiosk
from dashboards.stream import frames
from dashboards.stream import protocol as p
from dashboards.stream.boards import by_hosts
from dashboards.stream.consumers import LiveConsumer
from dashboards.stream.stats import STATS
from dashboards.walls.kiosks import find_kiosk, touch, usable
from dashboards.walls.programs import follows, kiosk_program


def _admitted(secret: str):
    """(token id, what its dashboards follow) for a usable token, else None."""
    token = find_kiosk(secret)
    if token is None or not usable(token):
        return None
    touch(token)
    return token.pk, follows(kiosk_program(token)["boards"])


class KioskConsumer(LiveConsumer):
    """A wall screen: streams what its dashboard shows, acknowledges nothing."""

    kiosk_id: int | None = None

    async def connect(self) -> None:
        self.scope["user"] = AnonymousUser()  # never a person's session, whatever cookie came
        secret = self.scope["url_route"]["kwargs"]["secret"]
        try:
            found = await database_sync_to_async(_admitted)(secret)
        except DatabaseError:
            await self.close()  # the database is away: refused, the page tries again later
            return
        if found is None:
            await self.accept()
            STATS.dropped("signed_out")
            await self._send_error(p.SIGNED_OUT, "this screen is unknown or was revoked")
            await self.close(code=p.CLOSE_SIGNED_OUT)
            return
        self.kiosk_id, self.allowed = found
        await super().connect()

    async def admit(self) -> bool:
        return self.kiosk_id is not None

    def hold_access(self) -> None:
        hold_kiosk(self, self.kiosk_id)

    async def _subscribe(self, message: dict) -> None:
        message = await by_hosts(message)
        if message is None:  # a dashboard of clocks and notes: nothing to follow
            await self.send(text_data=frames.subscribed(self.subs.hosts))
            return
        request = p.parse_subscribe(message, settings.MONITOR_RECENT_SECONDS)
        allowed = self.allowed.hosts
        if allowed != "*":
            outside = None if request.hosts is None else sorted(set(request.hosts) - set(allowed))
            if request.hosts is None or outside:
                shown = "every host" if request.hosts is None else ", ".join(outside[:5])
                raise p.ProtocolError(p.FORBIDDEN, f"this screen's dashboards do not show {shown}")
        await super()._subscribe(message)

    async def _ack(self, message: dict) -> None:
        raise p.ProtocolError(p.FORBIDDEN, "a kiosk screen is read-only: it cannot acknowledge")

    async def _unack(self, message: dict) -> None:
        raise p.ProtocolError(p.FORBIDDEN, "a kiosk screen is read-only: it cannot acknowledge")

    async def access_ended(self, message: dict) -> None:
        """Its token was revoked, expired or deleted (nobody here can sign in again)."""
        STATS.dropped("signed_out")
        await self._send_error(p.SIGNED_OUT, message.get("why", "this screen was revoked"))
        await self.close(code=p.CLOSE_SIGNED_OUT)
