"""What the host sampler reads only every few seconds, on the clock it is given."""

import logging

from collectors.fields import Field
from collectors.host import REUSE_FOR_S, HostSampler, Reused, default_samplers
from collectors.processes import ProcessSampler
from collectors.sensors import SensorSampler
from tests.collectors.fixtures.recorded import load, temperatures


class Counting:
    """A sampler that reports how many times it was read, and the `now` it was given."""

    fields = (Field("reads.count", "count", "Times read."),)

    def __init__(self) -> None:
        self.reads = 0
        self.nows: list[float] = []

    def sample(self, now: float) -> dict[str, float]:
        self.reads += 1
        self.nows.append(now)
        return {"reads.count": self.reads}


def test_the_host_sampler_passes_its_clock_on_as_now():
    counting = Counting()
    ticks = iter([10.0, 11.5])
    host = HostSampler([counting], clock=lambda: next(ticks))

    host.sample()
    host.sample()

    assert counting.nows == [10.0, 11.5]


def test_a_reused_sampler_is_read_once_per_window_and_repeats_its_reading_in_between():
    counting = Counting()
    clock = [0.0]
    host = HostSampler([Reused(counting, 5.0)], clock=lambda: clock[0])

    values = []
    for second in range(11):
        clock[0] = float(second)
        values.append(host.sample().metrics["reads.count"])

    assert counting.reads == 3  # at 0, 5 and 10 s
    assert values == [1] * 5 + [2] * 5 + [3]


def test_a_reused_reading_is_handed_out_as_a_copy():
    reused = Reused(Counting(), 5.0)
    reused.sample(0.0)["reads.count"] = 99

    assert reused.sample(1.0) == {"reads.count": 1}


def test_a_reused_sampler_declares_the_wrapped_samplers_fields():
    assert Reused(SensorSampler(), 5.0).fields == SensorSampler.fields


def test_temperatures_are_read_every_few_seconds_and_repeated_in_between():
    recorded = temperatures(load("sensors_laptop")["sensors"])
    reads = []

    def read_temperatures():
        reads.append(1)
        return recorded

    sampler = Reused(SensorSampler(read_temperatures=read_temperatures), REUSE_FOR_S[SensorSampler])
    clock = [0.0]
    host = HostSampler([sampler], clock=lambda: clock[0])

    readings = []
    for second in range(5):
        clock[0] = float(second)
        readings.append(host.sample().metrics)

    assert len(reads) == 1
    assert all(reading == readings[0] for reading in readings)
    assert readings[0]["temp.coretemp.Core 1.celsius"] == 51.0


def test_the_default_samplers_reuse_temperatures_for_a_few_seconds():
    sensors = [s for s in default_samplers("host") if isinstance(s, Reused)]

    assert [type(s.sampler) for s in sensors] == [SensorSampler]
    assert 5.0 <= REUSE_FOR_S[SensorSampler] <= 10.0


def test_a_failing_reused_sampler_is_logged_under_its_own_name_and_disabled(caplog):
    class Broken:
        fields = ()

        def sample(self, now: float) -> dict[str, float]:
            raise OSError("hwmon went away")

    host = HostSampler([Reused(Broken(), 5.0)])

    with caplog.at_level(logging.ERROR, logger="collectors"):
        host.sample()
        host.sample()

    assert len(caplog.records) == 1
    assert "Broken" in caplog.records[0].getMessage()


def test_through_the_host_sampler_the_process_scan_runs_once_per_window_on_its_clock():
    scans = []

    class Process:
        pid = 1
        info = {"name": "init", "username": "root", "memory_percent": 0.1}

        def cpu_percent(self, interval=None):
            scans.append(1)
            return 3.0

    clock = [0.0]
    host = HostSampler(
        [ProcessSampler(iterate_processes=lambda: [Process()], count_processes=lambda: 7)],
        clock=lambda: clock[0],
    )

    readings = []
    for second in range(12):
        clock[0] = float(second)
        readings.append(host.sample())

    assert len(scans) == 4  # priming at 0, then 1, 6 and 11
    assert all(reading.metrics == {"procs.count": 7} for reading in readings)
    assert all(reading.top[0]["cpu_percent"] == 3.0 for reading in readings)
