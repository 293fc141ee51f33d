"""Process count and the processes using the most CPU."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import psutil

from collectors.fields import Field

TOP_PROCESS_COUNT = 5
_ATTRS = ["pid", "name", "username", "memory_percent"]
_GONE_OR_HIDDEN = (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess)


def _iterate_processes() -> Iterable[psutil.Process]:
    # process_iter caches Process objects across calls, which is what makes cpu_percent(None)
    # a delta since the previous sample rather than since process start.
    return psutil.process_iter(attrs=_ATTRS)


class ProcessSampler:
    """procs.count, plus `top`: the busiest processes by CPU since the previous sample.

    A process's first sighting reports 0 % CPU (no delta yet); processes that vanish or deny
    access while being read are skipped silently. psutil's Process cache is per interpreter, so
    run one ProcessSampler per process or they will split each other's CPU deltas.
    """

    fields = (Field("procs.count", "count", "Number of processes on the machine."),)

    def __init__(
        self,
        iterate_processes: Callable[[], Iterable[Any]] = _iterate_processes,
        top_count: int = TOP_PROCESS_COUNT,
    ) -> None:
        self._iterate_processes = iterate_processes
        self._top_count = top_count
        self._top: list[dict] = []

    @property
    def top(self) -> list[dict]:
        """Top processes from the latest sample(): dicts with pid, name, user, cpu_percent,
        mem_percent, busiest first (empty before the first sample)."""
        return list(self._top)

    def sample(self, now: float) -> dict[str, float]:
        """Return procs.count and refresh `top`; `now` is unused (psutil keeps process state)."""
        count = 0
        entries: list[dict] = []
        for process in self._iterate_processes():
            count += 1
            try:
                entries.append(_top_entry(process))
            except _GONE_OR_HIDDEN:
                continue
        entries.sort(key=lambda entry: entry["cpu_percent"], reverse=True)
        self._top = entries[: self._top_count]
        return {"procs.count": count}


def _top_entry(process: Any) -> dict:
    info = process.info
    return {
        "pid": process.pid,
        "name": info.get("name") or "",
        "user": info.get("username") or "",
        "cpu_percent": round(process.cpu_percent(None), 1),
        "mem_percent": round(info.get("memory_percent") or 0.0, 1),
    }
