"""Rollups as pure functions, with no clock and no I/O of their own: a host's raw samples to one
row per complete minute, a host's minute rows to one row per hour, and rows or samples to the
buckets of a chart.

A row's ``values`` maps each metric to ``[min, mean, max]``, or to one number when the three are
equal (totals, counts, error rates that stayed 0: most of a row), each rounded to 4 significant
digits. A period with no sample has no row: a gap stays a gap.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

MINUTE = 60
HOUR = 3600
TIER_SECONDS = {"1m": MINUTE, "1h": HOUR}
SIGNIFICANT_DIGITS = 4
# A minute is complete once the host has sent a sample of a later minute, or this long after
# its end (a host that stopped): samples in flight for it have arrived by then.
MINUTE_CLOSE_S = 10.0

Packed = float | list[float]  # [min, mean, max], or one number when all three are equal


@dataclass(frozen=True)
class Sample:
    """What a rollup needs of a raw sample: when psutil read it, and its numbers."""

    ts: float
    metrics: Mapping[str, float]


@dataclass(frozen=True)
class RollupRow:
    """One host's figures over one period: ``start`` (unix s, a multiple of the period), the
    number of samples behind it, and each metric's packed ``[min, mean, max]``."""

    start: int
    count: int
    values: dict[str, Packed]


def rounded(value: float) -> float:
    """``value`` to SIGNIFICANT_DIGITS significant digits, as an int when that is whole (so
    16.1 GB is stored as 16120000000, not 16123456789.0)."""
    if value == 0:
        return 0
    digits = SIGNIFICANT_DIGITS - 1 - math.floor(math.log10(abs(value)))
    result = round(value, digits)
    return int(result) if result == int(result) and abs(result) < 2**53 else result


def packed(low: float, mean: float, high: float) -> Packed:
    low, mean, high = rounded(low), rounded(mean), rounded(high)
    return low if low == high else [low, mean, high]


def unpacked(value: Packed) -> tuple[float, float, float]:
    """(min, mean, max) of a packed value."""
    if isinstance(value, list):
        return value[0], value[1], value[2]
    return value, value, value


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def minute_start(ts: float) -> int:
    return int(ts // MINUTE) * MINUTE


def complete_until(newest_ts: float | None, now: float) -> float:
    """Minutes ending at or before this are complete: the host has sent a sample of a later
    minute, or MINUTE_CLOSE_S has passed since they ended."""
    closed = now - MINUTE_CLOSE_S
    return closed if newest_ts is None else max(newest_ts, closed)


def minute_rows(
    samples: Iterable[Sample], after: int | None, until: float, held_since: float | None = None
) -> list[RollupRow]:
    """One row per minute that holds samples, ended at or before ``until`` and starts after
    ``after`` (the newest row already written, or None), oldest first.

    ``held_since``: the store has dropped this host's samples from before this time, so the
    minute around it is held only in part and is left out (a gap, not a row of a few seconds).
    """
    minutes: dict[int, list[Sample]] = {}
    for sample in samples:
        minutes.setdefault(minute_start(sample.ts), []).append(sample)
    partial = None if held_since is None else minute_start(held_since)
    return [
        _row(start, minutes[start])
        for start in sorted(minutes)
        if start + MINUTE <= until and (after is None or start > after) and start != partial
    ]


def _row(start: int, samples: list[Sample]) -> RollupRow:
    # The hot loop of the writer (200 hosts: 500,000 figures a minute): a type test here, and
    # infinities (JSON's 1e999) found once per column by its sum.
    columns: dict[str, list[float]] = {}
    for sample in samples:
        for name, value in sample.metrics.items():
            if type(value) in _NUMBER_TYPES:
                column = columns.get(name)
                if column is None:
                    columns[name] = [value]
                else:
                    column.append(value)
    values = {}
    for name, column in columns.items():
        total = sum(column)
        if math.isfinite(total):
            values[name] = packed(min(column), total / len(column), max(column))
    return RollupRow(start=start, count=len(samples), values=values)


_NUMBER_TYPES = (int, float)  # bool is neither type


def combined(parts: Iterable[tuple[int, Packed]]) -> tuple[int, float, float, float] | None:
    """(count, min, mean, max) of packed values each behind ``count`` samples: the min of the
    mins, the mean weighted by count, the max of the maxes; None when there are none."""
    total, weighted, low, high = 0, 0.0, math.inf, -math.inf
    for count, value in parts:
        part_low, part_mean, part_high = unpacked(value)
        total += count
        weighted += part_mean * count
        low, high = min(low, part_low), max(high, part_high)
    if total == 0:
        return None
    return total, low, weighted / total, high


def hour_row(start: int, minutes: Sequence[RollupRow]) -> RollupRow | None:
    """The hour from ``start`` out of its minute rows (any order); None when there are none."""
    rows = [row for row in minutes if start <= row.start < start + HOUR]
    if not rows:
        return None
    parts: dict[str, list[tuple[int, Packed]]] = {}
    for row in rows:
        for name, value in row.values.items():
            parts.setdefault(name, []).append((row.count, value))
    values = {}
    for name, metric_parts in parts.items():
        _, low, mean, high = combined(metric_parts)
        values[name] = packed(low, mean, high)
    return RollupRow(start=start, count=sum(row.count for row in rows), values=values)


def rebucketed(points: Iterable[tuple[float, int, Packed]], step: float) -> list[list[float]]:
    """``[t, min, mean, max]`` per bucket of ``step`` seconds (t its start, a multiple of step
    since the epoch) out of (period start, samples, packed value) points, oldest first. A
    bucket with nothing in it is left out: a gap, never interpolated."""
    buckets: dict[float, list[tuple[int, Packed]]] = {}
    for start, count, value in points:
        buckets.setdefault(math.floor(start / step) * step, []).append((count, value))
    out = []
    for start in sorted(buckets):
        _, low, mean, high = combined(buckets[start])
        t = int(start) if start == int(start) else start
        out.append([t, rounded(low), rounded(mean), rounded(high)])
    return out
