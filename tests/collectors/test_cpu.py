from collections import namedtuple

import pytest

from collectors.cpu import CpuSampler
from tests.collectors.fixtures.recorded import load, scputimes

# psutil.cpu_times() fields on macOS, which has no iowait.
macos_cputimes = namedtuple("macos_cputimes", "user nice system idle")


def recorded_ticks() -> list[list[scputimes]]:
    return [[scputimes(**core) for core in tick] for tick in load("cpu_times_two_ticks")["ticks"]]


def sampler_replaying(ticks: list) -> CpuSampler:
    remaining = iter(ticks)
    return CpuSampler(read_times=lambda: next(remaining))


def test_the_first_cpu_sample_has_only_the_core_count():
    sampler = sampler_replaying(recorded_ticks())

    assert sampler.sample(now=1.0) == {"cpu.count": 2}


def test_cpu_percent_from_two_recorded_ticks_equals_the_hand_computed_value():
    sampler = sampler_replaying(recorded_ticks())
    sampler.sample(now=1.0)

    metrics = sampler.sample(now=3.0)

    # Core 0: 2.00 s elapsed, 1.20 idle + 0.10 iowait -> 0.70 busy = 35 %.
    # Core 1: 2.10 s summed but 0.10 guest is already inside user -> 2.00 s, 0.40 busy = 20 %.
    # All cores: 1.10 busy of 4.00 s; user 0.70, system 0.30, iowait 0.10.
    assert metrics == {
        "cpu.count": 2,
        "cpu.core.0.percent": pytest.approx(35.0),
        "cpu.core.1.percent": pytest.approx(20.0),
        "cpu.percent": pytest.approx(27.5),
        "cpu.user_percent": pytest.approx(17.5),
        "cpu.system_percent": pytest.approx(7.5),
        "cpu.iowait_percent": pytest.approx(2.5),
    }


def test_a_platform_without_iowait_reports_zero_iowait():
    def as_macos(core: scputimes) -> macos_cputimes:
        return macos_cputimes(core.user, core.nice, core.system, core.idle + core.iowait)

    sampler = sampler_replaying([[as_macos(core) for core in tick] for tick in recorded_ticks()])
    sampler.sample(now=1.0)

    assert sampler.sample(now=3.0)["cpu.iowait_percent"] == 0.0


def test_a_core_whose_times_did_not_advance_gets_no_percent():
    ticks = recorded_ticks()
    sampler = sampler_replaying([ticks[0], [ticks[0][0], ticks[1][1]]])
    sampler.sample(now=1.0)

    metrics = sampler.sample(now=3.0)

    assert "cpu.core.0.percent" not in metrics
    assert metrics["cpu.core.1.percent"] == pytest.approx(20.0)


def test_a_change_in_core_count_restarts_the_deltas():
    ticks = recorded_ticks()
    sampler = sampler_replaying([ticks[0], ticks[1][:1]])
    sampler.sample(now=1.0)

    assert sampler.sample(now=3.0) == {"cpu.count": 1}


def test_counters_that_go_backwards_never_give_a_percent_outside_0_to_100():
    ticks = recorded_ticks()
    sampler = sampler_replaying([ticks[1], ticks[0], ticks[1]])
    sampler.sample(now=1.0)

    for now in (3.0, 5.0):
        for key, value in sampler.sample(now=now).items():
            if key.endswith("percent"):
                assert 0.0 <= value <= 100.0
