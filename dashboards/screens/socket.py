"""A socket's side of the screens registry: its ``screen`` reports written to the database, the
group its commands come through, and the row marked offline when it closes. Used by
stream/consumers.py; the per-sample path never comes here."""

import asyncio
import logging

from channels.db import database_sync_to_async
from django.db import DatabaseError

from dashboards.screens import registry
from dashboards.screens.commands import screen_group
from dashboards.screens.reports import parse_screen

log = logging.getLogger(__name__)

# Disconnections still being written: kept until they finish (a task nobody holds may vanish).
_writes: set[asyncio.Task] = set()


class ScreenRegistration:
    """What one socket registered as: nothing until its first ``screen`` message."""

    def __init__(self, kiosk_id: int | None, user_id: int | None) -> None:
        self.kiosk_id = kiosk_id
        self.user_id = user_id
        self.pk: int | None = None

    async def report(self, message: dict, channel_name: str) -> tuple[str | None, str | None]:
        """Validate and record a report (ProtocolError if it is bad); returns (group to join,
        group to leave): a group to join after the first report, or when the row was remade."""
        report = parse_screen(message, kiosk=self.kiosk_id is not None)
        try:
            pk = await database_sync_to_async(registry.record_report)(
                self.pk, report, channel_name, kiosk_id=self.kiosk_id, user_id=self.user_id
            )
        except DatabaseError as exc:
            # A heartbeat is not worth the screen's socket: the next one tries again.
            log.warning("could not record screen %s's report: %s", self.pk or "(new)", exc)
            return None, None
        if pk == self.pk:
            return None, None
        old, self.pk = self.pk, pk
        return screen_group(pk), screen_group(old) if old is not None else None

    def forget(self, channel_name: str | None) -> list[str]:
        """The socket closed: its row goes offline (written in the background, as release must
        not wait) and the group it was in is returned to leave."""
        if self.pk is None:
            return []
        if channel_name is not None:
            task = asyncio.get_running_loop().create_task(self._disconnected(self.pk, channel_name))
            _writes.add(task)
            task.add_done_callback(_writes.discard)
        return [screen_group(self.pk)]

    @staticmethod
    async def _disconnected(pk: int, channel_name: str) -> None:
        try:
            await database_sync_to_async(registry.disconnected)(pk, channel_name)
        except DatabaseError as exc:
            # The heartbeat stops too: the screen shows as offline OFFLINE_AFTER_S later.
            log.warning("could not mark screen %s offline: %s", pk, exc)
