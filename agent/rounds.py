"""Collection rounds an agent never saw: every collect carries its round's number, so a jump
from round 101 to 105 means three collects expired in the queue or never came."""

# A jump over a silence this long is not counted: the agent was stopped, or its host disabled
# (beat sends nothing then), rather than its collects lost.
UNCOUNTED_AFTER_S = 60.0


class RoundGaps:
    """Remembers the last round seen; ``seen`` returns how many were skipped since."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._last: tuple[int, float] | None = None

    def seen(self, tick: int | None, now: float) -> int:
        if tick is None:
            return 0
        last, self._last = self._last, (tick, now)
        if last is None or tick <= last[0] or now - last[1] > UNCOUNTED_AFTER_S:
            return 0
        return tick - last[0] - 1
