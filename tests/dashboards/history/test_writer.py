"""The rollup writer on a real Redis and the test database: minute rows from the recent store,
hour rows from minute rows, reruns, late runs and pruning."""

import pytest
from django.db import IntegrityError, transaction

from dashboards.history import writer
from dashboards.history.models import MetricNames, Rollup
from dashboards.history.rollups import MINUTE_CLOSE_S, RollupRow, hour_row, minute_rows
from dashboards.history.rows import decoded as decoded_rows
from dashboards.history.store import decoded
from tests.dashboards.history.conftest import T0

pytestmark = pytest.mark.django_db
DAY = 86400


def rows(tier: str = "1m", host: str | None = None) -> list[tuple]:
    found = Rollup.objects.filter(tier=tier).order_by("host", "start")
    if host:
        found = found.filter(host=host)
    return [(h, row.start, row.count, row.values) for h, row in decoded_rows(found)]


def stored_samples(store, host):
    return [decoded(text)[1] for text in store.client.zrange(store.keys.recent(host), 0, -1)]


def roll(store, now: float, recent_s: float = 600) -> int:
    return writer.roll_minutes(store.client, store.keys, now, recent_s)


def test_each_complete_minute_of_every_host_becomes_one_row(store):
    times = [T0 + 0.25 + n for n in range(150)]  # 2.5 minutes
    store.publish("db1", times)
    store.publish("web1", times)
    assert roll(store, now=times[-1] + 0.5) == 4
    for host in ("db1", "web1"):
        expected = minute_rows(stored_samples(store, host), None, T0 + 150)
        assert [row.start for row in expected] == [T0, T0 + 60]
        assert rows(host=host) == [(host, r.start, r.count, r.values) for r in expected]
    assert rows(host="db1")[0][2] == 60


def test_a_rerun_writes_nothing_and_a_forced_one_changes_nothing(store):
    times = [T0 + 0.25 + n for n in range(150)]
    store.publish("db1", times)
    roll(store, now=times[-1] + 0.5)
    before = rows()
    assert roll(store, now=times[-1] + 0.5) == 0
    # The newest row lost (or a run that overlapped another): written again, the same.
    Rollup.objects.filter(host="db1", start=T0 + 60).delete()
    assert roll(store, now=times[-1] + 0.5) == 1
    assert rows() == before
    # The same rows upserted again: replaced, never doubled.
    writer.upsert("1m", [("db1", RollupRow(T0, 1, {"cpu.percent": 5}))])
    assert Rollup.objects.count() == len(before)
    assert rows()[0][2:] == (1, {"cpu.percent": 5})


def test_the_database_holds_one_row_per_host_tier_and_start(store):
    names = MetricNames.objects.create(digest="x", names=[])
    Rollup.objects.create(host="db1", tier="1m", start=T0, count=1, names=names, values=[])
    Rollup.objects.create(host="db1", tier="1h", start=T0, count=1, names=names, values=[])
    with pytest.raises(IntegrityError), transaction.atomic():
        Rollup.objects.create(host="db1", tier="1m", start=T0, count=2, names=names, values=[])


def test_rows_store_their_metric_names_once_shared_by_every_row_with_the_same_names(store):
    times = [T0 + 0.25 + n for n in range(150)]
    store.publish("db1", times)
    store.publish("web1", times)
    assert roll(store, now=times[-1] + 0.5) == 4
    assert MetricNames.objects.count() == 1  # two hosts' minutes, the same metrics
    names = sorted(rows(host="db1")[0][3])
    stored = Rollup.objects.get(host="web1", start=T0 + 60)
    assert stored.names.names == names and len(stored.values) == len(names) > 40
    # A row rewritten with other names points at a list of its own; the others keep theirs.
    writer.upsert("1m", [("db1", RollupRow(T0 + 60, 1, {"cpu.percent": 5}))])
    assert MetricNames.objects.count() == 2
    assert rows(host="db1")[1][2:] == (1, {"cpu.percent": 5})
    assert sorted(rows(host="db1")[0][3]) == names == sorted(rows(host="web1")[1][3])


def test_a_minute_still_open_waits_for_a_later_sample_or_its_close(store):
    times = [T0 + 0.5 + n for n in range(90)]  # the second minute is half done
    store.publish("db1", times)
    assert roll(store, now=times[-1] + 0.2) == 1
    assert [row[1] for row in rows()] == [T0]
    # The host stops: its last minute is rolled once it has closed.
    assert roll(store, now=T0 + 120 + 5) == 0
    assert roll(store, now=T0 + 120 + MINUTE_CLOSE_S) == 1
    assert [row[1] for row in rows()] == [T0, T0 + 60]


def test_the_next_run_goes_on_from_the_newest_row_as_after_a_restart(store):
    store.publish("db1", [T0 + 0.5 + n for n in range(70)])
    roll(store, now=T0 + 70.6)
    first = rows()
    store.publish("db1", [T0 + 70.5 + n for n in range(120)])
    assert roll(store, now=T0 + 190.6) == 2
    assert rows()[:1] == first
    assert [row[1] for row in rows()] == [T0, T0 + 60, T0 + 120]


def test_a_late_run_rolls_what_the_store_still_holds_and_the_rest_is_a_gap(store):
    store.publish("db1", [T0 + 0.5 + n for n in range(130)])
    roll(store, now=T0 + 130.6)
    assert [row[1] for row in rows()] == [T0, T0 + 60]
    # The writer is down for 15 minutes; the store keeps only its newest 600 samples.
    store.publish("db1", [T0 + 130.5 + n for n in range(900)])
    oldest = stored_samples(store, "db1")[0].ts
    assert oldest == T0 + 430.5  # in the minute from T0 + 420, held only in part
    assert roll(store, now=T0 + 1030.6) == 9
    starts = [row[1] for row in rows()]
    assert starts == [T0, T0 + 60, *range(T0 + 480, T0 + 1020, 60)]
    assert all(row[2] == 60 for row in rows())  # every row a whole minute of samples


def test_hosts_and_entries_without_samples_are_passed_over(store):
    store.publish("db1", [T0 + 0.5 + n for n in range(70)])
    store.client.zadd(store.keys.recent("db1"), {b"not json": 35.5})
    store.client.zadd(store.keys.hosts, {"gone": 1.0})  # a host whose samples have expired
    assert roll(store, now=T0 + 75) == 1


def minute_row(host: str, start: int, count: int, cpu) -> None:
    writer.upsert("1m", [(host, RollupRow(start, count, {"cpu.percent": cpu, "cpu.count": 2}))])


def test_complete_hours_are_rolled_from_minute_rows_weighted_by_their_samples():
    for n in range(60):
        minute_row("db1", T0 + 60 * n, 60, [1, 10, 20])
    minute_row("db1", T0 + 3600, 30, [0, 40, 90])  # the next hour has one short minute
    minute_row("db1", T0 + 3660, 60, [5, 10, 15])
    minute_row("db1", T0 + 7200, 60, 50)  # still open
    minute_row("web1", T0, 60, 7)
    now = T0 + 7200 + writer.HOUR_CLOSE_S
    assert writer.roll_hours(now, minute_days=30) == 3
    assert rows("1h") == [
        ("db1", T0, 3600, {"cpu.percent": [1, 10, 20], "cpu.count": 2}),
        ("db1", T0 + 3600, 90, {"cpu.percent": [0, 20, 90], "cpu.count": 2}),
        ("web1", T0, 60, {"cpu.percent": 7, "cpu.count": 2}),
    ]
    assert writer.roll_hours(now, minute_days=30) == 0


def test_an_hour_whose_minutes_changed_is_rolled_again_and_an_empty_hour_is_a_gap():
    minute_row("db1", T0, 60, 10)
    minute_row("db1", T0 + 7200, 60, 30)  # nothing in the hour from T0 + 3600
    now = T0 + 3 * 3600 + writer.HOUR_CLOSE_S
    assert writer.roll_hours(now, minute_days=30) == 2
    minute_row("db1", T0 + 60, 60, 20)  # a minute written late
    assert writer.roll_hours(now, minute_days=30) == 1
    assert rows("1h") == [
        ("db1", T0, 120, {"cpu.percent": [10, 15, 20], "cpu.count": 2}),
        ("db1", T0 + 7200, 60, {"cpu.percent": 30, "cpu.count": 2}),
    ]


def test_hours_missed_while_the_writer_was_down_are_caught_up_over_runs():
    for hour in range(30):
        minute_row("db1", T0 + 3600 * hour, 60, hour)
    now = T0 + 30 * 3600 + writer.HOUR_CLOSE_S
    assert writer.roll_hours(now, minute_days=30) == writer.HOURS_PER_RUN
    assert writer.roll_hours(now, minute_days=30) == 30 - writer.HOURS_PER_RUN
    assert [row[1] for row in rows("1h")] == [T0 + 3600 * hour for hour in range(30)]
    assert writer.roll_hours(now, minute_days=30) == 0


def test_days_without_any_minute_rows_do_not_hold_the_hour_step_back():
    minute_row("db1", T0, 60, 10)
    assert writer.roll_hours(T0 + 2 * 3600, minute_days=30) == 1
    back = T0 + 5 * DAY  # everything was off for five days
    for hour in range(30):
        minute_row("db1", back + 3600 * hour, 60, hour)
    now = back + 30 * 3600 + writer.HOUR_CLOSE_S
    assert writer.roll_hours(now, minute_days=30) == writer.HOURS_PER_RUN
    assert writer.roll_hours(now, minute_days=30) == 30 - writer.HOURS_PER_RUN
    assert len(rows("1h")) == 31


def test_an_hour_that_pruning_has_begun_on_is_not_rolled_again():
    minute_row("db1", T0, 60, 10)
    writer.upsert("1h", [("db1", hour_row(T0, [RollupRow(T0, 120, {"cpu.percent": 10})]))])
    now = T0 + 30 * DAY + 1800  # minute rows from before T0 + 1800 are past retention
    assert writer.roll_hours(now, minute_days=30) == 0
    assert rows("1h")[0][2] == 120


def test_pruning_deletes_each_tier_past_its_retention_only():
    now = T0 + 400 * DAY
    for days in (0, 360, 371, 399):
        start = T0 + days * DAY
        writer.upsert("1h", [("db1", RollupRow(start, 1, {"a": 1}))])
        writer.upsert("1m", [("db1", RollupRow(start, 1, {"a": 1}))])
    assert writer.prune(now, minute_days=30, hour_days=365) == 2 + 1
    assert [row[1] for row in rows("1m")] == [T0 + 371 * DAY, T0 + 399 * DAY]
    assert [row[1] for row in rows("1h")] == [T0 + 360 * DAY, T0 + 371 * DAY, T0 + 399 * DAY]
    assert writer.prune(now, minute_days=30, hour_days=365) == 0


def test_pruning_a_long_backlog_goes_slice_by_slice(monkeypatch):
    monkeypatch.setattr(writer, "PRUNE_SLICE_S", 3600)
    writer.upsert("1m", [("db1", RollupRow(T0 + 60 * n, 1, {"a": 1})) for n in range(600)])
    assert writer.prune(T0 + 31 * DAY, minute_days=30, hour_days=365) == 600
    monkeypatch.setattr(writer, "PRUNE_BUDGET_S", 0)
    writer.upsert("1m", [("db1", RollupRow(T0, 1, {"a": 1}))])
    assert writer.prune(T0 + 31 * DAY, minute_days=30, hour_days=365) == 0  # next run's turn
