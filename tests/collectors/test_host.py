import logging
import time

from collectors.fields import Field
from collectors.host import HostSampler, Reading
from collectors.processes import ProcessSampler


class FixedSampler:
    fields = (Field("fixed.count", "count", "Always 3."),)

    def sample(self, now: float) -> dict[str, float]:
        return {"fixed.count": 3}


class ExplodingSampler:
    fields = (Field("boom.count", "count", "Never produced."),)

    def __init__(self) -> None:
        self.calls = 0

    def sample(self, now: float) -> dict[str, float]:
        self.calls += 1
        raise RuntimeError("sensor bus went away")


def test_a_sampler_that_raises_is_logged_once_and_disabled_while_the_rest_keep_running(caplog):
    exploding = ExplodingSampler()
    host = HostSampler([exploding, FixedSampler()])

    with caplog.at_level(logging.ERROR, logger="collectors"):
        readings = [host.sample() for _ in range(3)]

    assert [reading.metrics for reading in readings] == [{"fixed.count": 3}] * 3
    assert exploding.calls == 1
    assert len(caplog.records) == 1
    assert "ExplodingSampler" in caplog.records[0].getMessage()


def test_values_that_are_not_finite_numbers_are_left_out():
    class Sloppy:
        fields = ()

        def sample(self, now: float) -> dict[str, float]:
            return {"a.count": 1, "b.count": None, "c.percent": float("nan"), "d.s": float("inf")}

    assert HostSampler([Sloppy()]).sample().metrics == {"a.count": 1}


def test_a_reading_is_stamped_with_the_wall_clock_time_of_the_read():
    before = time.time()
    reading = HostSampler([FixedSampler()]).sample()

    assert isinstance(reading, Reading)
    assert before <= reading.ts <= time.time()


def test_the_reading_carries_the_process_samplers_top_list():
    class OneProcess:
        pid = 1
        info = {"name": "init", "username": "root", "memory_percent": 0.1}

        def cpu_percent(self, interval=None):
            return 2.0

    host = HostSampler([FixedSampler(), ProcessSampler(iterate_processes=lambda: [OneProcess()])])

    assert host.sample().top == [
        {"pid": 1, "name": "init", "user": "root", "cpu_percent": 2.0, "mem_percent": 0.1}
    ]


def test_without_a_process_sampler_the_top_list_is_empty():
    assert HostSampler([FixedSampler()]).sample().top == []


def test_declared_field_names_are_unique():
    names = [field.name for field in HostSampler.fields()]

    assert len(names) == len(set(names))


def test_every_field_name_ends_with_its_unit():
    name_endings = {
        "percent": "percent",
        "bytes": "_bytes",
        "bytes/s": "_bytes_per_s",
        "ops/s": "_ops_per_s",
        "packets/s": ("_packets_per_s", "_drops_per_s"),
        "errors/s": "_errors_per_s",
        "seconds": "_s",
        "count": "count",
        "celsius": ".celsius",
        "load": ("1m", "5m", "15m"),
        "load/core": "_per_core",
    }

    for field in HostSampler.fields():
        assert field.name.endswith(name_endings[field.unit]), field
