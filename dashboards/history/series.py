"""A host's metric over a range, from the tier that fits (docs/history.md): raw samples from the
Redis recent store, or the 1-minute or 1-hour rollups, re-bucketed to the step.

``plan`` (pure) picks the tier and the step and refuses what no tier can answer, with a
SeriesError naming the field; ``host_series`` reads the points. A bucket with nothing in it is
left out: gaps are never filled.
"""

import math
from dataclasses import dataclass

import redis

from core.redis_clients import REDIS_ERRORS
from core.redis_keys import RedisKeys
from dashboards.history.models import Rollup
from dashboards.history.rollups import TIER_SECONDS, is_number, rebucketed
from dashboards.history.rows import metric_values
from dashboards.history.store import StoreEnds, samples_since, store_ends

DAY = 86400
MAX_POINTS = 10_000
# The default step is the first of NICE_STEPS that the range's tier allows and that gives at
# most this many points: 300 to 1,000 for most ranges (5 min: 300 raw; 24 h: 720 of 2 min from
# minute rows; 7 d: 672 of 15 min; 30 d: 720 of an hour from hour rows).
DEFAULT_POINTS = 1_000
NICE_STEPS = (
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800,
    3600, 7200, 10800, 21600, 43200, DAY, 2 * DAY, 7 * DAY,
)  # fmt: skip


class SeriesError(ValueError):
    """A request no tier can answer: ``field`` is the query parameter to change."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


class StoreUnavailable(Exception):
    """Raw samples were needed and Redis did not answer."""


@dataclass(frozen=True)
class Kept:
    """How long each tier keeps a host's figures, asked at ``now``: the store holds raw samples
    every ``raw_interval`` s since ``raw_since`` (None: it holds none of the host); the
    rollups are kept for so many days."""

    now: float
    raw_since: float | None
    raw_interval: float
    minute_days: float
    hour_days: float

    @property
    def longest_s(self) -> float:
        return max(self.minute_days, self.hour_days) * DAY


@dataclass(frozen=True)
class Plan:
    tier: str  # "raw", "1m" or "1h"
    step: float


def plan(start: float, end: float, step: float | None, kept: Kept) -> Plan:
    """The tier and step for [start, end): raw samples when the step is under a minute and the
    store holds the range, minute rows when it is under an hour and they are kept that far
    back, else hour rows. Raises SeriesError for a range or step none of them can give."""
    if end <= start:
        raise SeriesError("end", f"{_seconds(end)} must be after start ({_seconds(start)})")
    if end - start > kept.longest_s:
        raise SeriesError(
            "start",
            f"the range is {(end - start) / DAY:.1f} days; history is kept for "
            f"{kept.longest_s / DAY:g} days at most",
        )
    if step is None:
        for nice in NICE_STEPS:
            tier, _ = _tier_for(start, nice, kept)
            if tier is not None and (end - start) / nice <= DEFAULT_POINTS:
                return Plan(tier, nice)
        return Plan("1h", NICE_STEPS[-1])
    tier, why_not = _tier_for(start, step, kept)
    if tier is None:
        raise SeriesError("step", why_not)
    if (end - start) / step > MAX_POINTS:
        points = math.ceil((end - start) / step)
        raise SeriesError("step", f"{step:g} s gives {points} points, more than {MAX_POINTS}")
    return Plan(tier, step)


def _seconds(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _tier_for(start: float, step: float, kept: Kept) -> tuple[str | None, str]:
    """The tier a step needs for a range from ``start``, or None and why not."""
    if step < TIER_SECONDS["1m"]:
        if kept.raw_since is None or start < kept.raw_since:
            held = (
                "none of this host"
                if kept.raw_since is None
                else f"the last {kept.now - kept.raw_since:.0f} s"
            )
            return None, (
                f"{step:g} s needs raw samples and the recent store holds {held}: "
                "use a step of 60 s or more"
            )
        if step < kept.raw_interval:
            return None, f"{step:g} s is finer than this host's samples ({kept.raw_interval:g} s)"
        return "raw", ""
    if step < TIER_SECONDS["1h"]:
        if start < kept.now - kept.minute_days * DAY:
            return None, (
                f"{step:g} s needs the 1-minute rollups, kept for {kept.minute_days:g} days: "
                "use a step of 3600 s or more for this range"
            )
        return "1m", ""
    return "1h", ""


def host_series(
    client: redis.Redis, keys: RedisKeys, host: str, metric: str, start: float, end: float,
    step: float | None, *, now: float, recent_s: float, minute_days: float, hour_days: float,
) -> dict:  # fmt: skip
    """The answer of /api/hosts/<host>/series: ``{host, metric, step, tier, points}``, each
    point ``[t, min, mean, max]`` with t its bucket's start, asked at ``now`` with the
    retention settings given (``recent_s`` is MONITOR_RECENT_SECONDS). Raises SeriesError for
    what no tier can answer, StoreUnavailable when raw samples are needed and Redis is away
    (the rollups answer without it)."""
    try:
        ends = store_ends(client, keys, [host]).get(host)
    except REDIS_ERRORS as exc:
        if step is not None and step < TIER_SECONDS["1m"]:
            raise StoreUnavailable(f"Redis is unavailable ({type(exc).__name__})") from None
        ends = None
    kept = Kept(
        now=now,
        raw_since=None if ends is None else ends.holds_since(recent_s),
        raw_interval=1.0 if ends is None else ends.interval,
        minute_days=minute_days,
        hour_days=hour_days,
    )
    chosen = plan(start, end, step, kept)
    if chosen.tier == "raw":
        points = raw_points(client, keys, host, metric, start, end, chosen.step, ends)
    else:
        points = rollup_points(host, metric, chosen.tier, start, end, chosen.step)
    step_out = int(chosen.step) if chosen.step == int(chosen.step) else chosen.step
    return {"host": host, "metric": metric, "step": step_out, "tier": chosen.tier,
            "points": points}  # fmt: skip


def raw_points(
    client: redis.Redis, keys: RedisKeys, host: str, metric: str, start: float, end: float,
    step: float, ends: StoreEnds,
) -> list[list[float]]:  # fmt: skip
    """The metric's buckets out of the host's stored samples read in [start, end)."""
    _, samples = next(samples_since(client, keys, {host: start}, {host: ends}))
    found = [
        (sample.ts, 1, sample.metrics[metric])
        for sample in samples
        if sample.ts < end and is_number(sample.metrics.get(metric))
    ]
    return rebucketed(found, step)


def rollup_points(
    host: str, metric: str, tier: str, start: float, end: float, step: float
) -> list[list[float]]:
    """The metric's buckets out of the host's rows of ``tier`` whose period overlaps
    [start, end): the database reads the one metric out of each row, not the whole row."""
    period = TIER_SECONDS[tier]
    rows = Rollup.objects.filter(host=host, tier=tier, start__gt=start - period, start__lt=end)
    return rebucketed(metric_values(rows, metric), step)
