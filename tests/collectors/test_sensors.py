import psutil
import pytest

from collectors.host import HostSampler
from collectors.sensors import SensorSampler
from tests.collectors.fixtures.recorded import load, shwtemp, temperatures


def test_psutil_without_sensors_temperatures_gives_no_temperature_fields(monkeypatch):
    # macOS and Windows builds of psutil do not define the function at all.
    monkeypatch.delattr(psutil, "sensors_temperatures", raising=False)

    assert SensorSampler().sample(now=1.0) == {}


def test_sensors_temperatures_returning_nothing_gives_no_temperature_fields():
    assert SensorSampler(read_temperatures=dict).sample(now=1.0) == {}


def test_a_machine_without_sensors_logs_no_error_and_keeps_the_sampler(caplog):
    host = HostSampler([SensorSampler(read_temperatures=dict)])

    for _ in range(2):
        assert host.sample().metrics == {}
    assert caplog.records == []


def test_recorded_sensors_give_one_field_per_reading_with_the_index_for_unnamed_ones():
    recorded = temperatures(load("sensors_laptop")["sensors"])

    metrics = SensorSampler(read_temperatures=lambda: recorded).sample(now=1.0)

    assert metrics == {
        "temp.acpitz.0.celsius": 47.0,
        "temp.nvme.Composite.celsius": pytest.approx(38.85),
        "temp.nvme.Sensor 1.celsius": pytest.approx(38.85),
        "temp.coretemp.Package id 0.celsius": 52.0,
        "temp.coretemp.Core 0.celsius": 49.0,
        "temp.coretemp.Core 1.celsius": 51.0,
        "temp.iwlwifi_1.0.celsius": 42.0,
    }


def test_repeated_labels_on_one_chip_stay_distinct():
    # Two-socket machines: psutil merges both coretemp chips, so "Core 0" appears twice.
    two_sockets = {
        "coretemp": [
            shwtemp("Package id 0", 55.0, 80.0, 100.0),
            shwtemp("Core 0", 50.0, 80.0, 100.0),
            shwtemp("Package id 1", 57.0, 80.0, 100.0),
            shwtemp("Core 0", 53.0, 80.0, 100.0),
        ]
    }

    metrics = SensorSampler(read_temperatures=lambda: two_sockets).sample(now=1.0)

    assert len(metrics) == 4
    assert sorted(value for key, value in metrics.items() if "Core 0" in key) == [50.0, 53.0]
