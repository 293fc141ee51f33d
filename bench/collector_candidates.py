"""The three candidates of the collector benchmark (bench/collector.py): ours, bare psutil, Glances.

Imported by the measuring children, whose RSS is a figure: only what they need at the top.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CANDIDATES = ("ours", "bare", "glances")
LABELS = {
    "ours": "ours: `HostSampler().sample()`",
    "bare": "bare psutil, same fields and cadence",
    "glances": "Glances, same 12 plug-ins",
}
GLANCES_PLUGINS = (
    "cpu",
    "percpu",
    "load",
    "mem",
    "memswap",
    "fs",
    "diskio",
    "network",
    "processcount",
    "processlist",
    "uptime",
    "sensors",
)
# Glances refreshes the cached part of its process list (cmdline, gids, ...) this often.
GLANCES_PROCESS_CACHE_S = 60
TARGETS = {"bare": 1.1, "per_sample_ms": 2.0, "glances_cpu": 0.3, "glances_rss": 0.5}

# ---------------------------------------------------------------------------------------------
# The candidates: each `tick(now)` is one 1 s sample at monotonic time `now`.


class Ours:
    def __init__(self, mode: str, clock: Callable[[], float] | None) -> None:
        from collectors.host import HostSampler

        self.host = HostSampler(mode=mode, clock=clock)

    def tick(self, now: float) -> None:
        self.host.sample()


class Cadence:
    """What ours reads only every few seconds, handed to the bare child on its command line so
    that it need not import the collectors."""

    def __init__(self, scan_every: float, sensors_every: float, top_count: int) -> None:
        self.scan_every = scan_every
        self.sensors_every = sensors_every
        self.top_count = top_count

    @classmethod
    def of_collectors(cls) -> Cadence:
        from collectors.host import REUSE_FOR_S
        from collectors.processes import SCAN_EVERY_S, TOP_PROCESS_COUNT
        from collectors.sensors import SensorSampler

        return cls(SCAN_EVERY_S, REUSE_FOR_S.get(SensorSampler, 0.0), TOP_PROCESS_COUNT)

    def as_args(self) -> list[str]:
        return [str(self.scan_every), str(self.sensors_every), str(self.top_count)]


class Bare:
    """The psutil calls behind ours' fields, on ours' cadence, with nothing built from them."""

    def __init__(self, cadence: Cadence) -> None:
        import psutil

        self.psutil = psutil
        self.scan_every = cadence.scan_every
        self.top_count = cadence.top_count
        self.sensors_every = cadence.sensors_every
        self.next_scan: float | None = None
        self.primed = False
        self.next_sensors: float | None = None
        self.previous_cpu: dict[int, tuple[object, float]] = {}
        self.previous_scan: float | None = None

    def tick(self, now: float) -> None:
        ps = self.psutil
        ps.cpu_times(percpu=True)
        ps.getloadavg()
        ps.virtual_memory()
        ps.swap_memory()
        devices: set[str] = set()
        for part in ps.disk_partitions(all=False):
            if part.fstype == "squashfs" or part.device.startswith("/dev/loop"):
                continue
            if part.device in devices:
                continue
            try:
                ps.disk_usage(part.mountpoint)
            except OSError:
                continue
            devices.add(part.device)
        ps.disk_io_counters(perdisk=False)
        ps.net_io_counters(pernic=True)
        len(ps.pids())
        ps.boot_time()
        if self.next_sensors is None or now >= self.next_sensors:
            ps.sensors_temperatures()
            self.next_sensors = now + self.sensors_every
        if self.next_scan is None or now >= self.next_scan:
            self.scan()
            self.next_scan = now + (self.scan_every * 0.9 if self.primed else 0.0)
            self.primed = True

    def scan(self) -> None:
        # CPU % since the previous scan from each cached Process's cpu_times(), as ours does.
        ps = self.psutil
        started = time.monotonic()
        elapsed = 0.0 if self.previous_scan is None else started - self.previous_scan
        seen: dict[int, tuple[object, float]] = {}
        busy = []
        for process in ps.process_iter():
            try:
                times = process.cpu_times()
            except ps.Error:
                continue
            total = times.user + times.system
            seen[process.pid] = (process, total)
            before = self.previous_cpu.get(process.pid)
            fresh = before is None or before[0] is not process or elapsed <= 0
            busy.append((0.0 if fresh else 100.0 * (total - before[1]) / elapsed, process))
        self.previous_cpu, self.previous_scan = seen, started
        busy.sort(key=lambda entry: entry[0], reverse=True)
        found = 0
        for _, process in busy:
            if found == self.top_count:
                break
            try:
                process.as_dict(attrs=["name", "username", "memory_percent"])
            except ps.Error:
                continue
            found += 1


class Glances:
    """GlancesStats with the 12 plug-ins, each updated on its own refresh period of `now`."""

    def __init__(self) -> None:
        sys.argv = [
            "glances",
            "--disable-plugin",
            "all",
            "--enable-plugin",
            ",".join(GLANCES_PLUGINS),
            "-t",
            "1",
            "--disable-check-update",
            "--quiet",
        ]
        from glances.main import GlancesMain
        from glances.processes import glances_processes
        from glances.stats import GlancesStats
        from glances.timer import Timer

        core = GlancesMain()
        self.stats = GlancesStats(config=core.get_config(), args=core.get_args())
        self.plugins = self.stats.getPluginsList()
        if sorted(self.plugins) != sorted(GLANCES_PLUGINS):
            raise SystemExit(f"Glances enabled {self.plugins}, expected {GLANCES_PLUGINS}")
        self.processes = glances_processes
        self.timer = Timer
        # Each plug-in's own period; then its wall-clock timer is opened so that `now` decides
        # (Glances' loop sleeps the period after each update, a fixed-rate loop would see its
        # timers unfinished on every other tick).
        self.every = {name: self.stats.get_plugin(name).get_refresh() for name in self.plugins}
        for name in self.plugins:
            plugin = self.stats.get_plugin(name)
            plugin.set_refresh(0)
            plugin.refresh_timer.reset(0)
        self.next_due: dict[str, float] = {}
        self.next_process_cache: float | None = None
        # GlancesStats.update() for one plug-in, without its once-per-wall-second cache.
        self.update_plugin = type(self.stats).update_plugin.__wrapped__

    def tick(self, now: float) -> None:
        if self.next_process_cache is None or now >= self.next_process_cache:
            self.processes.cache_timer = self.timer(0)
            self.next_process_cache = now + GLANCES_PROCESS_CACHE_S
        for name in self.plugins:
            if now >= self.next_due.get(name, now):
                self.update_plugin(self.stats, name)
                self.next_due[name] = now + self.every[name]


def build(
    candidate: str, mode: str, cadence: Cadence, clock: Callable[[], float] | None
) -> Ours | Bare | Glances:
    if candidate == "ours":
        return Ours(mode, clock)
    if candidate == "bare":
        return Bare(cadence)
    return Glances()
