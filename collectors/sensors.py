"""Hardware temperatures, where the platform exposes them."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import psutil

from collectors.fields import Field


def _read_temperatures() -> Mapping[str, Sequence[Any]]:
    # psutil only defines sensors_temperatures on Linux and FreeBSD.
    read = getattr(psutil, "sensors_temperatures", None)
    return read() if read is not None else {}


class SensorSampler:
    """Current temperature of every sensor psutil reports; nothing at all on machines without."""

    fields = (
        Field(
            "temp.{sensor}.{label}.celsius",
            "celsius",
            "Temperature of {label} on chip {sensor}; {label} is the reading's index when unnamed.",
        ),
    )

    def __init__(
        self, read_temperatures: Callable[[], Mapping[str, Sequence[Any]]] = _read_temperatures
    ) -> None:
        self._read_temperatures = read_temperatures

    def sample(self, now: float) -> dict[str, float]:
        """Return one temp.* key per reading; `now` is unused (no deltas)."""
        metrics: dict[str, float] = {}
        for sensor, readings in (self._read_temperatures() or {}).items():
            for index, reading in enumerate(readings):
                key = f"temp.{sensor}.{reading.label or index}.celsius"
                if key in metrics:
                    # Chips merged under one name (e.g. two coretemp packages) repeat labels.
                    key = f"temp.{sensor}.{reading.label} #{index}.celsius"
                if reading.current is not None and math.isfinite(reading.current):
                    metrics[key] = reading.current
        return metrics
