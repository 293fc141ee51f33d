"""Invariants that must hold for two real samples taken on whatever machine runs the tests."""

import math
import time

import psutil
import pytest

from collectors.host import HostSampler, Reading

TOP_KEYS = {"pid", "name", "user", "cpu_percent", "mem_percent"}


@pytest.fixture(scope="module")
def reading() -> Reading:
    """The second of two samples at least 0.2 s apart, once CPU deltas exist."""
    sampler = HostSampler()
    first = sampler.sample()
    deadline = time.monotonic() + 5.0
    while True:
        time.sleep(0.05)
        second = sampler.sample()
        ready = second.ts - first.ts >= 0.2 and "cpu.percent" in second.metrics
        if ready or time.monotonic() > deadline:
            return second


def test_the_second_sample_has_cpu_and_io_rates(reading):
    assert "cpu.percent" in reading.metrics
    assert "cpu.core.0.percent" in reading.metrics
    assert any(key.endswith("_per_s") for key in reading.metrics)


def test_every_metric_value_is_a_finite_int_or_float(reading):
    for key, value in reading.metrics.items():
        assert type(value) in (int, float), key
        assert math.isfinite(value), key


def test_every_percent_is_between_0_and_100(reading):
    percents = {key: value for key, value in reading.metrics.items() if "percent" in key}

    assert percents
    for key, value in percents.items():
        assert 0 <= value <= 100, key


def test_used_never_exceeds_total(reading):
    metrics = reading.metrics
    prefixes = ["mem", "swap"] + [
        key.removesuffix(".total_bytes")
        for key in metrics
        if key.startswith("disk.") and key.endswith(".total_bytes")
    ]

    assert len(prefixes) > 2, "expected at least one mounted filesystem"
    for prefix in prefixes:
        assert 0 <= metrics[f"{prefix}.used_bytes"] <= metrics[f"{prefix}.total_bytes"], prefix


def test_every_rate_is_non_negative(reading):
    for key, value in reading.metrics.items():
        if key.endswith("_per_s"):
            assert value >= 0, key


def test_total_memory_matches_psutil(reading):
    assert reading.metrics["mem.total_bytes"] == psutil.virtual_memory().total


def test_core_count_matches_the_per_core_percentages(reading):
    count = reading.metrics["cpu.count"]

    assert count >= 1
    assert all(f"cpu.core.{n}.percent" in reading.metrics for n in range(count))


def test_processes_and_uptime_are_positive(reading):
    assert reading.metrics["procs.count"] > 0
    assert reading.metrics["uptime_s"] > 0


def test_top_has_at_most_five_well_formed_entries(reading):
    assert 0 < len(reading.top) <= 5
    for entry in reading.top:
        assert set(entry) == TOP_KEYS
        assert isinstance(entry["pid"], int)
        assert isinstance(entry["name"], str)
        assert isinstance(entry["user"], str)
        assert isinstance(entry["cpu_percent"], float)
        assert isinstance(entry["mem_percent"], float)
    cpu = [entry["cpu_percent"] for entry in reading.top]
    assert cpu == sorted(cpu, reverse=True)


def test_the_reading_timestamp_is_recent(reading):
    assert abs(time.time() - reading.ts) < 60
