"""Turn cumulative counters into per-second rates without ever producing a negative or a spike."""

from __future__ import annotations

from collections.abc import Mapping


class CounterRates:
    """Remembers the previous value and monotonic time of each counter key.

    One instance must live as long as the sampling process: rates are deltas against its memory.
    """

    def __init__(self) -> None:
        self._previous: dict[str, tuple[float, float]] = {}

    def update(self, counters: Mapping[str, float], now: float) -> dict[str, float]:
        """Record `counters` read at monotonic time `now` and return per-second rates for keys whose
        previous value is known and not larger; other keys are omitted, missing keys forgotten."""
        rates: dict[str, float] = {}
        remembered: dict[str, tuple[float, float]] = {}
        for key, value in counters.items():
            previous = self._previous.get(key)
            if previous is not None:
                previous_value, previous_time = previous
                elapsed = now - previous_time
                if elapsed <= 0:
                    # Keep the older base so the next tick measures over a real interval.
                    remembered[key] = previous
                    continue
                if value >= previous_value:
                    rates[key] = (value - previous_value) / elapsed
                # A smaller value means a reset or re-created device: re-base, report nothing.
            remembered[key] = (value, now)
        self._previous = remembered
        return rates
