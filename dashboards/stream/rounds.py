"""One frame per collection round for a screen that follows several hosts.

Every sample carries the round ("tick") the dispatcher gave its collect. A screen holds the samples
of the open round and sends them as one frame as soon as every host that sent the previous round
has sent this one, when a newer round starts, or at a deadline (a host that stopped sending holds
its round up once, then is no longer waited for). A sample of a round already sent (a straggler)
rides along with the next frame, so a screen never gets two frames for one round, and its host is
waited for in the rounds after.
"""

import asyncio
import math
from collections.abc import Awaitable, Callable
from typing import Any


class TickBatch:
    """The samples one screen holds until its round is complete. Pure bookkeeping, no clock."""

    def __init__(self) -> None:
        self.texts: list[Any] = []
        self.oldest = math.inf  # read time of the oldest held sample
        self.open_tick: int | None = None  # the round being gathered
        self.arrived: set[str] = set()
        self.expected: set[str] = set()  # hosts that sent the last complete round
        self.sent_tick = 0  # newest round already sent

    def __bool__(self) -> bool:
        return bool(self.texts)

    def starts_new_round(self, tick: int | None) -> bool:
        """Whether a sample of ``tick`` closes the round being gathered (send that one first)."""
        return self.open_tick is not None and tick is not None and tick > self.open_tick

    def is_straggler(self, tick: int | None) -> bool:
        """A sample of a round that has already been sent."""
        return tick is not None and tick <= self.sent_tick

    def add(self, host: str, tick: int | None, item: Any, read_at: float) -> bool:
        """Hold a sample (``item``: its text, or whatever the sender needs of it); True when the
        open round is now complete and should be sent."""
        self.texts.append(item)
        self.oldest = min(self.oldest, read_at)
        if self.is_straggler(tick):
            self.expected.add(host)  # slow, not gone: the next round waits for it
            return False
        if tick is not None:
            self.open_tick = tick
        self.arrived.add(host)
        return bool(self.expected) and self.arrived >= self.expected

    def take(self) -> tuple[list[Any], float]:
        """The held samples and the oldest read time; the open round counts as sent."""
        texts, oldest = self.texts, self.oldest
        if self.open_tick is not None:
            self.sent_tick = self.open_tick
            self.expected = self.arrived
        self.texts, self.oldest, self.open_tick, self.arrived = [], math.inf, None, set()
        return texts, oldest

    def reset(self) -> None:
        """Forget everything: the store started over and round numbers with it."""
        self.__init__()


class RoundSender:
    """A TickBatch on the event loop's clock: hands each round to ``send`` once, as soon as it is
    complete, when the next round starts, ``hold_s`` after its first sample at the latest, or
    (samples without a round number) once none has come for ``quiet_s``."""

    def __init__(
        self,
        send: Callable[[list[Any], float], Awaitable[None]],
        hold_s: float,
        quiet_s: float,
    ) -> None:
        self.batch = TickBatch()
        self._send = send
        self.hold_s = hold_s
        self.quiet_s = quiet_s
        self._round_started = 0.0
        self._due = math.inf
        self._timer: asyncio.TimerHandle | None = None

    async def add(self, host: str, tick: int | None, item: Any, read_at: float) -> None:
        if self.batch.starts_new_round(tick):
            await self.flush()
        was_empty = not self.batch
        if self.batch.add(host, tick, item, read_at):
            await self.flush()
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        if was_empty:
            self._round_started = now
        due = self._round_started + self.hold_s
        if tick is None:
            due = min(due, now + self.quiet_s)
        if due != self._due or self._timer is None:
            self.cancel()
            self._due = due
            self._timer = loop.call_at(due, lambda: loop.create_task(self._flush_if_due()))

    async def flush(self) -> None:
        """Send what is held now (nothing if nothing is)."""
        self.cancel()
        if self.batch:
            items, oldest = self.batch.take()
            await self._send(items, oldest)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._due = math.inf

    def reset(self) -> None:
        self.cancel()
        self.batch.reset()

    async def _flush_if_due(self) -> None:
        self._timer = None
        if asyncio.get_running_loop().time() >= self._due:
            await self.flush()
