"""Filesystem usage per mount point and machine-wide disk I/O rates."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import psutil

from collectors.fields import Field
from collectors.rates import CounterRates
from collectors.refreshed import Refreshed

# The mount table is read again this often (a mount appears in the metrics within this time).
PARTITIONS_EVERY_S = 10.0

# Read-only images (snap packages, loop-mounted squashfs) are always 100 % full and just noise.
_IGNORED_FSTYPES = frozenset({"squashfs"})
_IGNORED_DEVICE_PREFIXES = ("/dev/loop",)

# Metric suffix -> psutil disk_io_counters attribute.
_IO_COUNTERS = {
    "read_bytes_per_s": "read_bytes",
    "write_bytes_per_s": "write_bytes",
    "read_ops_per_s": "read_count",
    "write_ops_per_s": "write_count",
}


def _read_partitions() -> list[Any]:
    return psutil.disk_partitions(all=False)


def _read_io_totals() -> Any:
    return psutil.disk_io_counters(perdisk=False)


class DiskSampler:
    """Usage of each real mounted filesystem (mount point verbatim in the name) and I/O rates."""

    fields = (
        Field("disk.{mount}.total_bytes", "bytes", "Size of the filesystem mounted at {mount}."),
        Field("disk.{mount}.used_bytes", "bytes", "Space used on the filesystem at {mount}."),
        Field(
            "disk.{mount}.used_percent",
            "percent",
            "Share of space used at {mount}, ignoring blocks reserved for root.",
        ),
        Field("disk.io.read_bytes_per_s", "bytes/s", "Bytes read per second, all disks."),
        Field("disk.io.write_bytes_per_s", "bytes/s", "Bytes written per second, all disks."),
        Field("disk.io.read_ops_per_s", "ops/s", "Read operations per second, all disks."),
        Field("disk.io.write_ops_per_s", "ops/s", "Write operations per second, all disks."),
    )

    def __init__(
        self,
        read_partitions: Callable[[], Iterable[Any]] = _read_partitions,
        read_usage: Callable[[str], Any] = psutil.disk_usage,
        read_io: Callable[[], Any] = _read_io_totals,
    ) -> None:
        self._partitions = Refreshed(read_partitions, PARTITIONS_EVERY_S)
        self._read_usage = read_usage
        self._read_io = read_io
        self._io_rates = CounterRates()

    def sample(self, now: float) -> dict[str, float]:
        """Return usage for readable mounts and, from the second call on, I/O rates."""
        metrics = self._usage_metrics(now)
        metrics.update(self._io_metrics(now))
        return metrics

    def _usage_metrics(self, now: float) -> dict[str, float]:
        metrics: dict[str, float] = {}
        seen_devices: set[str] = set()
        for partition in self._partitions(now):
            if _is_ignored(partition) or partition.device in seen_devices:
                continue
            try:
                usage = self._read_usage(partition.mountpoint)
            except OSError:
                continue  # Permission denied, or unmounted between listing and reading.
            if partition.device:
                seen_devices.add(partition.device)
            prefix = f"disk.{partition.mountpoint}"
            metrics[f"{prefix}.total_bytes"] = usage.total
            metrics[f"{prefix}.used_bytes"] = usage.used
            metrics[f"{prefix}.used_percent"] = usage.percent
        return metrics

    def _io_metrics(self, now: float) -> dict[str, float]:
        totals = self._read_io()
        if totals is None:  # psutil's answer when the machine has no disks it can see
            return self._io_rates.update({}, now)
        counters = {
            f"disk.io.{suffix}": getattr(totals, attribute)
            for suffix, attribute in _IO_COUNTERS.items()
        }
        return self._io_rates.update(counters, now)


def _is_ignored(partition: Any) -> bool:
    return partition.fstype in _IGNORED_FSTYPES or partition.device.startswith(
        _IGNORED_DEVICE_PREFIXES
    )
