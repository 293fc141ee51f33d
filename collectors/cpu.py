"""CPU utilisation from deltas of per-core cumulative CPU times."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import psutil

from collectors.fields import Field

# Linux already counts guest time inside user/nice, so adding it again would inflate the total.
_COUNTED_TWICE = ("guest", "guest_nice")


def _read_per_core_times() -> list[Any]:
    return psutil.cpu_times(percpu=True)


class _CoreTimes(NamedTuple):
    total: float
    busy: float
    user: float
    system: float
    iowait: float


class _Shares(NamedTuple):
    busy: float
    user: float
    system: float
    iowait: float


class CpuSampler:
    """CPU percentages over the interval since the previous sample, plus the core count.

    Deltas are kept in the instance rather than using psutil.cpu_percent, whose state is per
    process/thread and breaks in prefork worker pools.
    """

    fields = (
        Field("cpu.percent", "percent", "Busy share of all cores (everything except idle/iowait)."),
        Field(
            "cpu.user_percent",
            "percent",
            "Share of all cores in user mode, niced processes excluded.",
        ),
        Field("cpu.system_percent", "percent", "Share of all cores spent in kernel mode."),
        Field(
            "cpu.iowait_percent",
            "percent",
            "Share of all cores idle waiting for I/O (0 if the OS has no iowait).",
        ),
        Field("cpu.core.{n}.percent", "percent", "Busy share of core n (numbered from 0)."),
        Field("cpu.count", "count", "Number of logical cores reported."),
    )

    def __init__(
        self,
        read_times: Callable[[], Sequence[Any]] = _read_per_core_times,
    ) -> None:
        self._read_times = read_times
        self._previous: list[_CoreTimes] | None = None

    def sample(self, now: float) -> dict[str, float]:
        """Return cpu.count always and the percentages once a previous reading exists."""
        cores = [_core_times(times) for times in self._read_times()]
        previous, self._previous = self._previous, cores
        metrics: dict[str, float] = {"cpu.count": len(cores)}
        if previous is None or len(previous) != len(cores):
            return metrics  # No delta yet, or cores were hot-plugged: start over.

        per_core = [_shares(before, after) for before, after in zip(previous, cores, strict=True)]
        for index, shares in enumerate(per_core):
            if shares is not None:
                metrics[f"cpu.core.{index}.percent"] = shares.busy
        overall = _shares(_summed(previous), _summed(cores))
        if overall is not None:
            metrics["cpu.percent"] = overall.busy
            metrics["cpu.user_percent"] = overall.user
            metrics["cpu.system_percent"] = overall.system
            metrics["cpu.iowait_percent"] = overall.iowait
        return metrics


def _core_times(times: Any) -> _CoreTimes:
    total = sum(times) - sum(getattr(times, name, 0.0) for name in _COUNTED_TWICE)
    iowait = getattr(times, "iowait", 0.0)
    busy = total - times.idle - iowait
    return _CoreTimes(total, busy, times.user, times.system, iowait)


def _summed(cores: Sequence[_CoreTimes]) -> _CoreTimes:
    return _CoreTimes(*(sum(column) for column in zip(*cores, strict=True)))


def _shares(before: _CoreTimes, after: _CoreTimes) -> _Shares | None:
    # Kernels occasionally report a counter slightly lower than before; treat that as no time.
    elapsed = after.total - before.total
    if elapsed <= 0:
        return None

    def percent_of(spent: float) -> float:
        return min(100.0, max(0.0, 100.0 * spent / elapsed))

    return _Shares(
        busy=percent_of(after.busy - before.busy),
        user=percent_of(after.user - before.user),
        system=percent_of(after.system - before.system),
        iowait=percent_of(after.iowait - before.iowait),
    )
