"""The pure rollups: recorded raw samples to minute rows, minute rows to hours, rows to buckets.
Expected figures are worked out here from the samples themselves, not by the module."""

import json
import statistics
from pathlib import Path

import pytest

from dashboards.history.rollups import (
    MINUTE_CLOSE_S,
    RollupRow,
    Sample,
    complete_until,
    hour_row,
    minute_rows,
    packed,
    rebucketed,
    rounded,
)
from dashboards.history.store import decoded

RECORDED = Path(__file__).parent / "fixtures" / "recorded_samples.jsonl"


def recorded() -> list[Sample]:
    """150 samples of a real machine, one a second, as the recent store holds them."""
    return [decoded(line)[1] for line in RECORDED.read_text().splitlines()]


def by_minute(samples: list[Sample]) -> dict[int, list[Sample]]:
    minutes: dict[int, list[Sample]] = {}
    for sample in samples:
        minutes.setdefault(int(sample.ts) // 60 * 60, []).append(sample)
    return minutes


def as_stats(value) -> tuple[float, float, float]:
    return tuple(value) if isinstance(value, list) else (value, value, value)


def test_a_minute_row_holds_each_metrics_min_mean_and_max_of_its_samples():
    samples = recorded()
    minutes = by_minute(samples)
    complete = [start for start in minutes if start + 60 <= samples[-1].ts]
    rows = minute_rows(samples, after=None, until=samples[-1].ts)
    assert [row.start for row in rows] == complete
    for row in rows:
        its = minutes[row.start]
        assert row.count == len(its)
        for metric in ("cpu.percent", "mem.used_bytes", "net.eth0.rx_bytes_per_s", "load.1m"):
            values = [s.metrics[metric] for s in its if metric in s.metrics]
            low, mean, high = as_stats(row.values[metric])
            assert low == pytest.approx(min(values), rel=1e-3)
            assert mean == pytest.approx(statistics.fmean(values), rel=1e-3)
            assert high == pytest.approx(max(values), rel=1e-3)
            assert low <= mean <= high


def test_a_row_has_every_metric_of_its_samples_and_the_summarys_headline_figures():
    samples = recorded()
    row = minute_rows(samples, after=None, until=samples[-1].ts)[0]
    names = set().union(*(s.metrics for s in by_minute(samples)[row.start]))
    assert set(row.values) == names
    assert {"cpu.percent", "disk.fullest_used_percent", "net.rx_bytes_per_s"} <= set(row.values)


def test_figures_by_hand_and_what_stays_one_number():
    samples = [
        Sample(120.0 + 10 * n, {"cpu.percent": cpu, "mem.total_bytes": 8_000_000_000})
        for n, cpu in enumerate([10, 20, 30, 40, 50, 60])
    ]
    (row,) = minute_rows(samples, after=None, until=180)
    assert row == RollupRow(
        start=120, count=6, values={"cpu.percent": [10, 35, 60], "mem.total_bytes": 8_000_000_000}
    )


def test_a_minute_is_rolled_once_a_later_minute_has_begun_or_it_has_closed():
    samples = [Sample(60.0 + n, {"cpu.percent": 1.0}) for n in range(60)]  # 60..119
    assert minute_rows(samples, after=None, until=complete_until(119.0, now=119.5)) == []
    later = [*samples, Sample(120.5, {"cpu.percent": 2.0})]
    assert [r.start for r in minute_rows(later, None, complete_until(120.5, now=121))] == [60]
    # The host stopped at 119: its minute closes MINUTE_CLOSE_S after its end.
    assert complete_until(119.0, now=120 + MINUTE_CLOSE_S) == 120
    assert [r.start for r in minute_rows(samples, None, 120)] == [60]


def test_minutes_up_to_the_newest_row_written_are_not_rolled_again():
    samples = [Sample(float(t), {"cpu.percent": 1.0}) for t in range(0, 300, 5)]
    rows = minute_rows(samples, after=120, until=300)
    assert [row.start for row in rows] == [180, 240]


def test_the_minute_the_store_holds_only_in_part_is_a_gap():
    samples = [Sample(float(t), {"cpu.percent": 1.0}) for t in range(90, 300)]
    assert [r.start for r in minute_rows(samples, None, 300, held_since=90)] == [120, 180, 240]
    assert [r.start for r in minute_rows(samples, None, 300)] == [60, 120, 180, 240]


def test_minutes_without_samples_have_no_row():
    samples = [Sample(float(t), {"cpu.percent": 1.0}) for t in (10, 20, 250, 260)]
    assert [row.start for row in minute_rows(samples, None, 400)] == [0, 240]


def test_what_is_not_a_finite_number_is_left_out():
    samples = [Sample(1.0, {"a": 1, "b": True, "c": "x", "d": float("inf"), "e": None})]
    assert minute_rows(samples, None, 60)[0].values == {"a": 1}


def test_an_hour_weights_each_minutes_mean_by_its_samples():
    minutes = [
        RollupRow(3600, 60, {"cpu.percent": [5, 10, 20], "mem.total_bytes": 8}),
        RollupRow(3660, 30, {"cpu.percent": [30, 40, 90], "mem.total_bytes": 8}),
        RollupRow(7200, 60, {"cpu.percent": 99}),  # the next hour: not in this one
    ]
    row = hour_row(3600, minutes)
    assert row.start == 3600 and row.count == 90
    assert row.values == {"cpu.percent": [5, 20, 90], "mem.total_bytes": 8}  # (600 + 1200) / 90
    assert hour_row(0, minutes) is None


def test_an_hour_of_recorded_minutes_agrees_with_its_raw_samples():
    samples = recorded()
    minutes = minute_rows(samples, None, samples[-1].ts)
    hour = int(samples[0].ts) // 3600 * 3600
    minutes = [row for row in minutes if row.start // 3600 * 3600 == hour]
    row = hour_row(hour, minutes)
    covered = [s for s in samples if any(m.start <= s.ts < m.start + 60 for m in minutes)]
    values = [s.metrics["cpu.percent"] for s in covered]
    low, mean, high = as_stats(row.values["cpu.percent"])
    assert row.count == len(covered)
    assert (low, high) == (pytest.approx(min(values), rel=1e-3), pytest.approx(max(values), 1e-3))
    assert mean == pytest.approx(statistics.fmean(values), rel=2e-3)


def test_buckets_take_the_min_of_mins_the_weighted_mean_and_the_max_of_maxes():
    points = [(0, 60, [1, 2, 3]), (60, 20, [0, 6, 9]), (180, 60, 4), (600, 1, 7)]
    assert rebucketed(points, 120) == [[0, 0, 3, 9], [120, 4, 4, 4], [600, 7, 7, 7]]
    assert rebucketed([], 60) == []


def test_a_bucket_without_data_is_missing_not_filled():
    points = [(t, 1, 1.0) for t in (0, 1, 2, 10, 11)]
    assert [p[0] for p in rebucketed(points, 2)] == [0, 2, 10]


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        (16_123_456_789, 16_120_000_000),
        (16_123_456_789.0, 16_120_000_000),
        (12.3456, 12.35),
        (0.00123456, 0.001235),
        (-42.42424, -42.42),
        (0.0, 0),
        (100.0, 100),
    ],
)
def test_figures_are_kept_to_four_significant_digits(value, stored):
    assert rounded(value) == stored
    assert json.dumps(rounded(value)) == json.dumps(stored)


def test_three_equal_figures_are_stored_as_one():
    assert packed(3.0, 3.0, 3.0) == 3
    assert packed(1.00001, 1.00002, 1.00003) == 1
    assert packed(1, 2, 3) == [1, 2, 3]
