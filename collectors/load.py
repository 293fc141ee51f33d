"""System load averages, as they are and per logical CPU."""

from __future__ import annotations

from collections.abc import Callable

import psutil

from collectors.fields import Field

_WINDOWS = ("1m", "5m", "15m")


def _cpu_count() -> int:
    return psutil.cpu_count(logical=True) or 1


class LoadSampler:
    """The 1, 5 and 15 minute load averages (psutil emulates them on Windows), and each divided
    by the number of logical CPUs: one alert threshold then fits a 2-core and a 64-core host."""

    fields = (
        Field("load.1m", "load", "Load average over the last minute."),
        Field("load.5m", "load", "Load average over the last 5 minutes."),
        Field("load.15m", "load", "Load average over the last 15 minutes."),
        Field(
            "load.1m_per_core", "load/core", "Load average over the last minute per logical CPU."
        ),
        Field("load.5m_per_core", "load/core", "Load average over 5 minutes per logical CPU."),
        Field("load.15m_per_core", "load/core", "Load average over 15 minutes per logical CPU."),
    )

    def __init__(
        self,
        read_load: Callable[[], tuple[float, float, float]] = psutil.getloadavg,
        cpu_count: Callable[[], int] = _cpu_count,
    ) -> None:
        self._read_load = read_load
        self._cpus = max(1, cpu_count())

    def sample(self, now: float) -> dict[str, float]:
        """Return the load averages; `now` is unused (no deltas)."""
        metrics: dict[str, float] = {}
        for window, load in zip(_WINDOWS, self._read_load(), strict=True):
            metrics[f"load.{window}"] = load
            metrics[f"load.{window}_per_core"] = round(load / self._cpus, 3)
        return metrics
