"""Process count and the processes using the most CPU."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from operator import itemgetter
from typing import Any

import psutil

from collectors.fields import Field

TOP_PROCESS_COUNT = 5
# Seconds between two process scans: reading every process is by far the costliest part of a
# sample (a /proc/<pid>/stat read per process), so the top list is refreshed only this often.
SCAN_EVERY_S = 5.0
_DETAIL_ATTRS = ["name", "username", "memory_percent"]
_GONE_OR_HIDDEN = (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess)
# A scan is due a little early rather than one whole sample late when ticks jitter.
_EARLY_SHARE = 0.1


def _iterate_processes() -> Iterable[psutil.Process]:
    # process_iter caches Process objects across calls (a reused pid gets a new one), which is
    # what the CPU deltas between scans are keyed on. No attrs: name, user and memory are only
    # read for the few processes that make the top list.
    return psutil.process_iter()


def _count_processes() -> int:
    return len(psutil.pids())


class ProcessSampler:
    """procs.count on every sample, plus `top`: the busiest processes by CPU, refreshed by a
    process scan every `scan_every` seconds of the `now` clock and reused in between.

    A scan reads every process's CPU time and keeps the `top_count` busiest; the CPU % in `top`
    is each process's average over the time since the previous scan, not a one-sample blip.
    The first scan only primes those deltas (everyone is at 0 %), so the second sample scans
    again whatever the interval; from then on scans are `scan_every` apart (a tenth of that
    early at most, so jittery 1 s ticks still scan every fifth tick). A process's first
    sighting reports 0 % CPU (no delta yet); processes that vanish or deny access while being
    read are skipped silently. psutil's Process cache is per interpreter, so run one
    ProcessSampler per process or they will split each other's CPU deltas.

    `iterate_processes` yields psutil.Process objects (CPU from cpu_times(), name, user and
    memory read only for the top ones) or stand-ins with a pid, cpu_percent(None) and an `info`
    dict with name, username and memory_percent; `count_processes` returns procs.count.
    """

    fields = (Field("procs.count", "count", "Number of processes on the machine."),)

    def __init__(
        self,
        iterate_processes: Callable[[], Iterable[Any]] = _iterate_processes,
        top_count: int = TOP_PROCESS_COUNT,
        scan_every: float = SCAN_EVERY_S,
        count_processes: Callable[[], int] = _count_processes,
    ) -> None:
        if scan_every < 0:
            raise ValueError(f"scan_every must be >= 0 seconds, got {scan_every!r}")
        self._iterate_processes = iterate_processes
        self._count_processes = count_processes
        self._top_count = top_count
        self._scan_every = scan_every
        self._next_scan: float | None = None  # None: never scanned yet
        self._primed = False
        self._top: list[dict] = []
        self._cpu = _CpuAverages()

    @property
    def top(self) -> list[dict]:
        """Top processes from the latest scan: dicts with pid, name, user, cpu_percent (average
        since the scan before), mem_percent (at the scan), busiest first; empty before the
        first sample."""
        return list(self._top)

    def sample(self, now: float) -> dict[str, float]:
        """Return procs.count and, when a scan is due at monotonic time `now`, refresh `top`."""
        if self._next_scan is None or now >= self._next_scan:
            self._top = self._scan()
            # The priming scan is followed by a real one on the next sample.
            wait = self._scan_every * (1 - _EARLY_SHARE) if self._primed else 0.0
            self._primed = True
            self._next_scan = now + wait
        return {"procs.count": self._count_processes()}

    def _scan(self) -> list[dict]:
        busy: list[tuple[float, Any]] = []
        cpu = self._cpu.new_scan()
        percent, real = cpu.percent, psutil.Process
        for process in self._iterate_processes():
            try:
                if isinstance(process, real):
                    busy.append((percent(process), process))
                else:  # a stand-in without CPU times
                    busy.append((process.cpu_percent(None), process))
            except _GONE_OR_HIDDEN:
                continue
        cpu.done()
        busy.sort(key=itemgetter(0), reverse=True)  # stable: ties keep the iteration order
        top: list[dict] = []
        for cpu_percent, process in busy:
            if len(top) == self._top_count:
                break
            try:
                top.append(_top_entry(process, cpu_percent))
            except _GONE_OR_HIDDEN:
                continue  # gone since its CPU was read: the next busiest takes its place
        return top


class _CpuAverages:
    """Each psutil.Process's CPU % since the previous scan, from its cumulative CPU times.

    The same figure as Process.cpu_percent(None) (user + system seconds over wall seconds, so
    above 100 on several cores), without the psutil.cpu_count() system call that makes per
    process, about a third of a scan's cost. A process seen for the first time, or a new
    process on a reused pid (psutil's cache hands out a new Process object), reports 0.
    """

    def __init__(self, timer: Callable[[], float] = time.monotonic) -> None:
        self._timer = timer
        self._previous: dict[int, tuple[psutil.Process, float]] = {}
        self._previous_time: float | None = None
        self._current: dict[int, tuple[psutil.Process, float]] = {}
        self._time = 0.0
        self._elapsed = 0.0

    def new_scan(self) -> _CpuAverages:
        """Start a scan: percent() measures against the previous scan that reached done()."""
        self._time = self._timer()
        previous = self._previous_time
        self._elapsed = 0.0 if previous is None else self._time - previous
        self._current = {}
        return self

    def percent(self, process: psutil.Process) -> float:
        """CPU % of `process` since the previous scan; raises what cpu_times() raises."""
        times = process.cpu_times()
        total = times.user + times.system
        self._current[process.pid] = (process, total)
        before = self._previous.get(process.pid)
        if before is None or before[0] is not process or self._elapsed <= 0:
            return 0.0
        return max(0.0, 100.0 * (total - before[1]) / self._elapsed)

    def done(self) -> None:
        """End the scan: forget processes it did not see."""
        self._previous, self._previous_time = self._current, self._time
        self._current = {}


def _top_entry(process: Any, cpu_percent: float) -> dict:
    if isinstance(process, psutil.Process):
        # Fresh values, not an `info` some other process_iter(attrs=...) caller left behind.
        info = process.as_dict(attrs=_DETAIL_ATTRS, ad_value=None)
    else:
        info = process.info
    return {
        "pid": process.pid,
        "name": info.get("name") or "",
        "user": info.get("username") or "",
        "cpu_percent": round(cpu_percent, 1),
        "mem_percent": round(info.get("memory_percent") or 0.0, 1),
    }
