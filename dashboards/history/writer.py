"""The rollup writer: the recent store to minute rows, minute rows to hour rows, and pruning.

Every step starts from what the database already holds, and writes by upsert on (host, tier,
start), so a run that is late or runs twice neither duplicates nor loses a row: the minute step
rolls every complete minute after the host's newest minute row that the store still holds
(older ones are a gap), the hour step every complete hour whose minute rows are not yet in an
hour row (or have changed since).
"""

import math
import time
from collections.abc import Iterable

import redis
from django.db import transaction
from django.db.models import F, Max, Sum

from core.redis_keys import RedisKeys
from dashboards.history.models import Rollup
from dashboards.history.rollups import (
    HOUR,
    MINUTE,
    RollupRow,
    complete_until,
    hour_row,
    minute_rows,
    minute_start,
)
from dashboards.history.rows import decoded, encoded
from dashboards.history.store import samples_since, store_ends

DAY = 86400
# An hour is rolled this long after it ends: its last minute rows are written by then.
HOUR_CLOSE_S = 300
# Each hour step looks this far back for hours whose minute rows changed (a late minute).
HOUR_LOOKBACK = 6 * HOUR
# At most this many hours per hour step: a long outage is caught up over several runs.
HOURS_PER_RUN = 24
# Pruning deletes in slices of this many seconds of rows, for at most PRUNE_BUDGET_S per run:
# a retention cut from a year to a week must not become one statement past the task's limit.
PRUNE_SLICE_S = 6 * HOUR
PRUNE_BUDGET_S = 10.0
UPSERT_BATCH = 500

MINUTE_TIER = Rollup.Tier.MINUTE
HOUR_TIER = Rollup.Tier.HOUR


def roll_minutes(client: redis.Redis, keys: RedisKeys, now: float, recent_s: float) -> int:
    """Write a minute row for every complete minute of every host that the store holds and the
    database does not; returns the rows written. ``recent_s`` is MONITOR_RECENT_SECONDS."""
    hosts = sorted(name.decode() for name in client.zrange(keys.hosts, 0, -1))
    ends = store_ends(client, keys, hosts)
    if not ends:
        return 0
    oldest = min(end.oldest_ts for end in ends.values())
    newest_rows = dict(
        Rollup.objects.filter(tier=MINUTE_TIER, start__gte=minute_start(oldest) - MINUTE)
        .values("host")
        .annotate(newest=Max("start"))
        .values_list("host", "newest")
    )
    since, until = {}, {}
    for host, end in ends.items():
        until[host] = complete_until(end.newest_ts, now)
        after = newest_rows.get(host)
        first = -math.inf if after is None else after + MINUTE
        if first + MINUTE <= until[host]:  # a complete minute is waiting
            since[host] = first
    rows = []
    for host, samples in samples_since(client, keys, since, ends):
        held_since = ends[host].oldest_ts if ends[host].is_trimmed(recent_s) else None
        found = minute_rows(samples, newest_rows.get(host), until[host], held_since)
        rows.extend((host, row) for row in found)
    return upsert(MINUTE_TIER, rows)


def roll_hours(now: float, minute_days: float) -> int:
    """Write (or rewrite) the hour rows of complete hours whose minute rows they do not match
    yet; returns the rows written. ``minute_days`` is the minute tier's retention: an hour that
    pruning has begun on is never rolled again."""
    last_end = int((now - HOUR_CLOSE_S) // HOUR) * HOUR
    first_intact = int((now - minute_days * DAY) // HOUR) * HOUR + HOUR
    begin = max(last_end - HOUR_LOOKBACK, first_intact)
    # Further behind than the lookback (a stop, or a first run over old minute rows): from the
    # first minute row after the newest hour row, passing over days with no rows at all.
    newest = Rollup.objects.filter(tier=HOUR_TIER).aggregate(newest=Max("start"))["newest"]
    unrolled = (
        Rollup.objects.filter(tier=MINUTE_TIER, start__gte=max(first_intact, (newest or 0) + HOUR))
        .order_by("start")
        .values_list("start", flat=True)
        .first()
    )
    if unrolled is not None:
        begin = min(begin, unrolled // HOUR * HOUR)
    end = min(last_end, begin + HOURS_PER_RUN * HOUR)
    written = 0
    for hour, hosts in sorted(_stale_hours(begin, end).items()):
        minutes = Rollup.objects.filter(
            tier=MINUTE_TIER, host__in=hosts, start__gte=hour, start__lt=hour + HOUR
        )
        by_host: dict[str, list[RollupRow]] = {}
        for host, row in decoded(minutes):
            by_host.setdefault(host, []).append(row)
        written += upsert(
            HOUR_TIER, [(host, hour_row(hour, rows)) for host, rows in by_host.items()]
        )
    return written


def _stale_hours(begin: int, end: int) -> dict[int, list[str]]:
    """hour -> hosts whose minute rows in it add up to a count its hour row does not have."""
    if begin >= end:
        return {}
    counted = (
        Rollup.objects.filter(tier=MINUTE_TIER, start__gte=begin, start__lt=end)
        .annotate(hour=F("start") - F("start") % HOUR)
        .values("host", "hour")
        .annotate(samples=Sum("count"))
        .values_list("host", "hour", "samples")
    )
    rolled = {
        (host, start): count
        for host, start, count in Rollup.objects.filter(
            tier=HOUR_TIER, start__gte=begin, start__lt=end
        ).values_list("host", "start", "count")
    }
    stale: dict[int, list[str]] = {}
    for host, hour, samples in counted:
        if rolled.get((host, hour)) != samples:
            stale.setdefault(hour, []).append(host)
    return stale


def upsert(tier: str, rows: Iterable[tuple[str, RollupRow]]) -> int:
    """Insert (host, row) pairs, or replace the rows already there (the same host, tier and
    start), in one transaction: SQLite pays a sync per commit, not per row."""
    rows = list(rows)
    if not rows:
        return 0
    with transaction.atomic():
        objects = encoded(tier, rows)
        if objects:
            Rollup.objects.bulk_create(
                objects,
                batch_size=UPSERT_BATCH,
                update_conflicts=True,
                unique_fields=["host", "tier", "start"],
                update_fields=["count", "names", "values"],
            )
    return len(objects)


def prune(now: float, minute_days: float, hour_days: float) -> int:
    """Delete rows past their tier's retention, oldest first, in slices, for at most
    PRUNE_BUDGET_S (the next run goes on); returns the rows deleted."""
    deadline = time.monotonic() + PRUNE_BUDGET_S
    deleted = 0
    for tier, days in ((MINUTE_TIER, minute_days), (HOUR_TIER, hour_days)):
        cutoff = now - days * DAY
        rows = Rollup.objects.filter(tier=tier)
        while time.monotonic() < deadline:
            oldest = rows.filter(start__lt=cutoff).order_by("start").values_list("start").first()
            if oldest is None:
                break
            upto = min(cutoff, oldest[0] + PRUNE_SLICE_S)
            deleted += rows.filter(start__lt=upto).delete()[0]
    return deleted
