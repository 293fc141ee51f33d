"""System load averages."""

from __future__ import annotations

from collections.abc import Callable

import psutil

from collectors.fields import Field


class LoadSampler:
    """The 1, 5 and 15 minute load averages (psutil emulates them on Windows)."""

    fields = (
        Field("load.1m", "load", "Load average over the last minute."),
        Field("load.5m", "load", "Load average over the last 5 minutes."),
        Field("load.15m", "load", "Load average over the last 15 minutes."),
    )

    def __init__(
        self, read_load: Callable[[], tuple[float, float, float]] = psutil.getloadavg
    ) -> None:
        self._read_load = read_load

    def sample(self, now: float) -> dict[str, float]:
        """Return the three load averages; `now` is unused (no deltas)."""
        one, five, fifteen = self._read_load()
        return {"load.1m": one, "load.5m": five, "load.15m": fifteen}
