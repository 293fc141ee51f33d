import pytest

from collectors.network import NetworkSampler
from tests.collectors.fixtures.recorded import load, per_interface


def replay(fixture: str) -> list[dict[str, float]]:
    """Feed every recorded tick of `fixture` to one NetworkSampler; return each tick's metrics."""
    ticks = load(fixture)["ticks"]
    remaining = iter(ticks)
    sampler = NetworkSampler(read_counters=lambda: per_interface(next(remaining)["counters"]))
    return [sampler.sample(now=tick["monotonic"]) for tick in ticks]


def keys_for(interface: str, metrics: dict[str, float]) -> dict[str, float]:
    prefix = f"net.{interface}."
    return {
        key.removeprefix(prefix): value for key, value in metrics.items() if key.startswith(prefix)
    }


def test_the_first_network_sample_has_no_rates():
    first, *_ = replay("net_counter_reset")

    assert first == {}


def test_a_network_counter_reset_gives_no_rate_and_the_next_tick_is_a_normal_rate():
    _, after_reset, next_tick = replay("net_counter_reset")

    # Counters that went backwards give nothing; the ones that stayed at 0 honestly give 0.
    assert keys_for("eth0", after_reset) == {
        "rx_errors_per_s": 0.0,
        "tx_errors_per_s": 0.0,
        "tx_drops_per_s": 0.0,
    }
    assert keys_for("eth0", next_tick) == {
        "rx_bytes_per_s": pytest.approx(512_000.0),
        "tx_bytes_per_s": pytest.approx(102_400.0),
        "rx_packets_per_s": pytest.approx(400.0),
        "tx_packets_per_s": pytest.approx(200.0),
        "rx_errors_per_s": 0.0,
        "tx_errors_per_s": 0.0,
        "rx_drops_per_s": pytest.approx(1.0),
        "tx_drops_per_s": 0.0,
    }


def test_loopback_is_never_reported():
    for metrics in replay("net_counter_reset"):
        assert keys_for("lo", metrics) == {}


def test_an_interface_that_vanishes_has_no_keys_while_gone_and_no_spike_when_back():
    _, still_present, gone, back, settled = replay("net_interface_vanishes")

    assert keys_for("eth1", still_present)["rx_bytes_per_s"] == pytest.approx(102_400.0)
    assert keys_for("eth1", gone) == {}
    assert keys_for("eth1", back) == {}
    assert keys_for("eth1", settled)["rx_bytes_per_s"] == pytest.approx(102_400.0)
    assert keys_for("eth1", settled)["tx_bytes_per_s"] == pytest.approx(2_048.0)


def test_other_interfaces_keep_their_rates_while_one_vanishes():
    _, *later = replay("net_interface_vanishes")

    for metrics in later:
        assert keys_for("eth0", metrics)["rx_bytes_per_s"] == pytest.approx(6_144.0)


def test_every_recorded_network_rate_is_non_negative():
    for fixture in ("net_counter_reset", "net_interface_vanishes"):
        for metrics in replay(fixture):
            assert all(value >= 0 for value in metrics.values())
