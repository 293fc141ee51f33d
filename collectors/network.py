"""Per-interface network throughput, packet, error and drop rates."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import psutil

from collectors.fields import Field
from collectors.rates import CounterRates

_LOOPBACK = "lo"

# Metric suffix -> (psutil net_io_counters attribute, unit, description).
_COUNTERS = {
    "rx_bytes_per_s": ("bytes_recv", "bytes/s", "Bytes received per second on {iface}."),
    "tx_bytes_per_s": ("bytes_sent", "bytes/s", "Bytes sent per second on {iface}."),
    "rx_packets_per_s": ("packets_recv", "packets/s", "Packets received per second on {iface}."),
    "tx_packets_per_s": ("packets_sent", "packets/s", "Packets sent per second on {iface}."),
    "rx_errors_per_s": ("errin", "errors/s", "Receive errors per second on {iface}."),
    "tx_errors_per_s": ("errout", "errors/s", "Transmit errors per second on {iface}."),
    "rx_drops_per_s": ("dropin", "packets/s", "Incoming packets dropped per second on {iface}."),
    "tx_drops_per_s": ("dropout", "packets/s", "Outgoing packets dropped per second on {iface}."),
}


def _read_per_interface_counters() -> dict[str, Any]:
    return psutil.net_io_counters(pernic=True)


class NetworkSampler:
    """Rates for every interface except loopback; an interface's first sighting has no rates."""

    fields = tuple(
        Field(f"net.{{iface}}.{suffix}", unit, description)
        for suffix, (_, unit, description) in _COUNTERS.items()
    )

    def __init__(
        self, read_counters: Callable[[], Mapping[str, Any]] = _read_per_interface_counters
    ) -> None:
        self._read_counters = read_counters
        self._rates = CounterRates()

    def sample(self, now: float) -> dict[str, float]:
        """Return per-second rates since the previous call for interfaces present both times."""
        counters = {
            f"net.{interface}.{suffix}": getattr(totals, attribute)
            for interface, totals in self._read_counters().items()
            if interface != _LOOPBACK
            for suffix, (attribute, _, _) in _COUNTERS.items()
        }
        return self._rates.update(counters, now)
