"""Whole-machine facts that need no deltas."""

from __future__ import annotations

import time
from collections.abc import Callable

import psutil

from collectors.fields import Field
from collectors.refreshed import Refreshed

# psutil reads /proc/stat for the boot time on every call; it moves only if the clock is set.
BOOT_TIME_EVERY_S = 60.0


class SystemSampler:
    """Seconds since the machine booted."""

    fields = (Field("uptime_s", "seconds", "Seconds since the machine booted."),)

    def __init__(
        self,
        read_boot_time: Callable[[], float] = psutil.boot_time,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._boot_time = Refreshed(read_boot_time, BOOT_TIME_EVERY_S)
        self._wall_clock = wall_clock

    def sample(self, now: float) -> dict[str, float]:
        """Return uptime_s from the boot time and the wall clock (not `now`, which is monotonic)."""
        return {"uptime_s": self._wall_clock() - self._boot_time(now)}
