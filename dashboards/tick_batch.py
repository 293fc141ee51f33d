"""One frame per collection round for a screen that follows several hosts.

Every sample carries the round ("tick") the dispatcher gave its collect. A screen holds the samples
of the open round and sends them as one frame as soon as every host that sent the previous round
has sent this one, when a newer round starts, or at a deadline (a host that stopped sending holds
its round up once, then is no longer waited for). A sample of a round already sent (a straggler)
rides along with the next frame, so a screen never gets two frames for one round, and its host is
waited for in the rounds after.
"""

import math


class TickBatch:
    """The samples one screen holds until its round is complete. Pure bookkeeping, no clock."""

    def __init__(self) -> None:
        self.texts: list[str] = []
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

    def add(self, host: str, tick: int | None, text: str, read_at: float) -> bool:
        """Hold a sample; True when the open round is now complete and should be sent."""
        self.texts.append(text)
        self.oldest = min(self.oldest, read_at)
        if self.is_straggler(tick):
            self.expected.add(host)  # slow, not gone: the next round waits for it
            return False
        if tick is not None:
            self.open_tick = tick
        self.arrived.add(host)
        return bool(self.expected) and self.arrived >= self.expected

    def take(self) -> tuple[list[str], float]:
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
