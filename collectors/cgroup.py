"""A container's own CPU, memory and swap, measured against its cgroup limits (v1 and v2).

psutil reads /proc, which inside a container still describes the whole host: all of its cores,
all of its memory. The kernel's per-container figures are in the cgroup files instead. This
module reads them with plain file reads; the root is the container's own cgroup, which is what
container runtimes mount at /sys/fs/cgroup (a private cgroup namespace on v2, the container's
directory bind-mounted per controller on v1).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import psutil

from collectors.fields import Field
from collectors.rates import CounterRates
from collectors.refreshed import Refreshed

DEFAULT_ROOT = Path("/sys/fs/cgroup")
HOST_FACTS_EVERY_S = 60.0

# cgroup v1 writes "no limit" as the largest page-aligned 63-bit number (9223372036854771712 with
# 4 KiB pages); no real limit comes anywhere near 2**60 bytes.
_V1_NO_LIMIT = 2**60

# cpuacct.stat counts in USER_HZ ticks, which the kernel fixes at 100 on Linux.
_USER_HZ = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

# Where each cgroup v1 controller lives: its own directory, or the joint one most distros mount.
_V1_CPU_DIRS = ("cpu,cpuacct", "cpu")
_V1_CPUACCT_DIRS = ("cpu,cpuacct", "cpuacct", "cpuacct,cpu")

CPU_LIMIT = "container.cpu.limit_core_count"
CPU_THROTTLED = "container.cpu.throttled_percent"
MEMORY_LIMIT = "container.memory.limit_bytes"


@dataclass(frozen=True)
class CgroupStats:
    """One read of the cgroup files. None means the file or line is missing, except for the
    limits, where None means no limit."""

    version: int
    cpu_usage_s: float | None = None
    cpu_user_s: float | None = None
    cpu_system_s: float | None = None
    cpu_limit_cores: float | None = None
    cpu_periods: int | None = None
    cpu_throttled_periods: int | None = None
    memory_usage_bytes: int | None = None
    memory_inactive_file_bytes: int | None = None
    memory_limit_bytes: int | None = None
    swap_usage_bytes: int | None = None
    swap_limit_bytes: int | None = None


class CgroupFiles:
    """Reads one cgroup's files; the version is decided once, by `cgroup.controllers` at the root
    (present only on the unified v2 hierarchy)."""

    def __init__(self, root: str | os.PathLike[str] = DEFAULT_ROOT) -> None:
        self.root = Path(root)
        self.version = 2 if (self.root / "cgroup.controllers").exists() else 1
        if self.version == 1:  # where each v1 controller is mounted does not change
            self._cpu_dir = self._v1_dir(_V1_CPU_DIRS)
            self._cpuacct_dir = self._v1_dir(_V1_CPUACCT_DIRS)

    def read(self) -> CgroupStats:
        """Read every file once; missing or unreadable files leave their fields None."""
        return self._read_v2() if self.version == 2 else self._read_v1()

    def _read_v2(self) -> CgroupStats:
        root = self.root
        cpu = _keyed(root / "cpu.stat")
        memory = _keyed(root / "memory.stat")
        return CgroupStats(
            version=2,
            cpu_usage_s=_scaled(cpu.get("usage_usec"), 1e-6),
            cpu_user_s=_scaled(cpu.get("user_usec"), 1e-6),
            cpu_system_s=_scaled(cpu.get("system_usec"), 1e-6),
            cpu_limit_cores=_v2_cpu_max(root / "cpu.max"),
            cpu_periods=cpu.get("nr_periods"),
            cpu_throttled_periods=cpu.get("nr_throttled"),
            memory_usage_bytes=_number(root / "memory.current"),
            memory_inactive_file_bytes=memory.get("inactive_file"),
            memory_limit_bytes=_v2_limit(root / "memory.max"),
            swap_usage_bytes=_number(root / "memory.swap.current"),
            swap_limit_bytes=_v2_limit(root / "memory.swap.max"),
        )

    def _read_v1(self) -> CgroupStats:
        cpu_dir, cpuacct_dir = self._cpu_dir, self._cpuacct_dir
        memory_dir = self.root / "memory"
        cpu = _keyed(cpu_dir / "cpu.stat")
        ticks = _keyed(cpuacct_dir / "cpuacct.stat")
        memory = _keyed(memory_dir / "memory.stat")

        quota = _number(cpu_dir / "cpu.cfs_quota_us")  # -1: no quota
        period = _number(cpu_dir / "cpu.cfs_period_us")
        cores = quota / period if quota is not None and quota > 0 and period else None

        usage = _number(memory_dir / "memory.usage_in_bytes")
        own_limit = _v1_limit(_number(memory_dir / "memory.limit_in_bytes"))
        # A parent's lower limit (a Kubernetes pod's, say) binds too; memory.stat carries the
        # smallest limit up the hierarchy.
        limit = _smaller(own_limit, _v1_limit(memory.get("hierarchical_memory_limit")))

        # memsw counts memory plus swap; it exists only when the kernel accounts swap.
        memsw_usage = _number(memory_dir / "memory.memsw.usage_in_bytes")
        memsw_limit = _v1_limit(_number(memory_dir / "memory.memsw.limit_in_bytes"))
        swap_usage = None
        if memsw_usage is not None and usage is not None:
            swap_usage = max(0, memsw_usage - usage)
        swap_limit = None
        if memsw_limit is not None and own_limit is not None:
            swap_limit = max(0, memsw_limit - own_limit)

        return CgroupStats(
            version=1,
            cpu_usage_s=_scaled(_number(cpuacct_dir / "cpuacct.usage"), 1e-9),
            cpu_user_s=_scaled(ticks.get("user"), 1 / _USER_HZ),
            cpu_system_s=_scaled(ticks.get("system"), 1 / _USER_HZ),
            cpu_limit_cores=cores,
            cpu_periods=cpu.get("nr_periods"),
            cpu_throttled_periods=cpu.get("nr_throttled"),
            memory_usage_bytes=usage,
            memory_inactive_file_bytes=memory.get(
                "total_inactive_file", memory.get("inactive_file")
            ),
            memory_limit_bytes=limit,
            swap_usage_bytes=swap_usage,
            swap_limit_bytes=swap_limit,
        )

    def _v1_dir(self, names: tuple[str, ...]) -> Path:
        for name in names:
            if (self.root / name).is_dir():
                return self.root / name
        return self.root / names[-1]  # missing: every read from it comes back None


def _usable_cpu_count() -> int:
    """CPUs this process may run on (a cpuset narrows them), else every CPU psutil sees."""
    try:
        return len(psutil.Process().cpu_affinity()) or psutil.cpu_count() or 1
    except (AttributeError, psutil.Error, OSError):  # macOS has no cpu_affinity
        return psutil.cpu_count() or 1


def _host_memory_total() -> int:
    return psutil.virtual_memory().total


def _host_swap_total() -> int:
    return psutil.swap_memory().total


class CgroupSampler:
    """The container's cpu.percent, mem.* and swap.* against its cgroup limits, plus the limits.

    Meant to run after CpuSampler and MemorySampler so its values replace their host-wide ones
    for the same names; per-core CPU, iowait, cpu.count and load stay the host's. A limit the
    cgroup does not set, or one above what the host has, falls back to the host's figure.
    A controller whose files are missing (no memory controller, say) gives no keys at all.
    """

    fields = (
        Field(
            CPU_LIMIT,
            "count",
            "Container mode: cores the container may use, fractional for a CPU quota (quota / "
            "period), at most the CPUs it may run on and all of them without a quota. "
            "cpu.percent, cpu.user_percent and cpu.system_percent are shares of this.",
        ),
        Field(
            CPU_THROTTLED,
            "percent",
            "Container mode: share of CPU quota periods in which the container was throttled "
            "(0 without a quota).",
        ),
        Field(
            MEMORY_LIMIT,
            "bytes",
            "Container mode: the container's memory limit, or the host's total memory when the "
            "cgroup sets none or a higher one. mem.total_bytes is this; mem.used_bytes is the "
            "working set (usage minus inactive file cache).",
        ),
    )

    def __init__(
        self,
        root: str | os.PathLike[str] = DEFAULT_ROOT,
        read_cpu_count: Callable[[], int] = _usable_cpu_count,
        read_host_memory: Callable[[], int] = _host_memory_total,
        read_host_swap: Callable[[], int] = _host_swap_total,
    ) -> None:
        self._files = CgroupFiles(root)
        # The host's totals and this process's CPUs change rarely; each read is a /proc parse.
        self._cpu_count = Refreshed(read_cpu_count, HOST_FACTS_EVERY_S)
        self._host_memory = Refreshed(read_host_memory, HOST_FACTS_EVERY_S)
        self._host_swap = Refreshed(read_host_swap, HOST_FACTS_EVERY_S)
        self._rates = CounterRates()

    @property
    def version(self) -> int:
        """The cgroup version found at the root: 1 or 2."""
        return self._files.version

    def sample(self, now: float) -> dict[str, float]:
        """Return the limits, memory and swap every time, CPU percentages once a previous
        reading exists."""
        stats = self._files.read()
        return {**self._cpu(stats, now), **self._memory(stats, now), **self._swap(stats, now)}

    def _cpu(self, stats: CgroupStats, now: float) -> dict[str, float]:
        counters = {
            "cpu.percent": stats.cpu_usage_s,
            "cpu.user_percent": stats.cpu_user_s,
            "cpu.system_percent": stats.cpu_system_s,
            "periods": stats.cpu_periods,
            "throttled": stats.cpu_throttled_periods,
        }
        # CPU seconds per second are cores busy; the two period counters only count as a ratio.
        # A counter that went backwards has no rate, so its key is left out for this tick.
        rates = self._rates.update(
            {key: value for key, value in counters.items() if value is not None}, now
        )
        if stats.cpu_usage_s is None:
            return {}
        cpus = self._cpu_count(now)
        limit = cpus if stats.cpu_limit_cores is None else min(stats.cpu_limit_cores, cpus)
        metrics: dict[str, float] = {CPU_LIMIT: limit}
        for key in ("cpu.percent", "cpu.user_percent", "cpu.system_percent"):
            if key in rates:
                metrics[key] = _percent(rates[key], limit)
        if "periods" in rates and "throttled" in rates:
            # No period elapsed means no quota was enforced, so nothing was throttled.
            metrics[CPU_THROTTLED] = _percent(rates["throttled"], rates["periods"])
        return metrics

    def _memory(self, stats: CgroupStats, now: float) -> dict[str, float]:
        if stats.memory_usage_bytes is None:
            return {}
        total = _capped(stats.memory_limit_bytes, self._host_memory(now))
        # The working set, as cAdvisor and the kubelet count it: file cache the kernel can drop
        # first is not in use. Capped so used never exceeds total, even while a limit is lowered.
        used = stats.memory_usage_bytes - (stats.memory_inactive_file_bytes or 0)
        used = min(max(0, used), total)
        return {
            MEMORY_LIMIT: total,
            "mem.total_bytes": total,
            "mem.used_bytes": used,
            "mem.available_bytes": total - used,
            "mem.percent": _percent(used, total),
        }

    def _swap(self, stats: CgroupStats, now: float) -> dict[str, float]:
        if stats.swap_usage_bytes is None:
            return {}
        total = _capped(stats.swap_limit_bytes, self._host_swap(now))
        used = min(stats.swap_usage_bytes, total)
        return {
            "swap.total_bytes": total,
            "swap.used_bytes": used,
            "swap.percent": _percent(used, total),
        }


def _capped(limit: int | None, host: int) -> int:
    return host if limit is None else min(limit, host)


def _smaller(first: int | None, second: int | None) -> int | None:
    """The lower of two limits, where None is no limit."""
    return second if first is None else first if second is None else min(first, second)


def _percent(part: float, whole: float) -> float:
    if whole <= 0:
        return 0.0
    return min(100.0, max(0.0, 100.0 * part / whole))


def _scaled(value: float | None, factor: float) -> float | None:
    return None if value is None else value * factor


def _text(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:  # missing controller, or a file the container may not read
        return None


def _number(path: Path) -> int | None:
    text = _text(path)
    try:
        return None if text is None else int(text.strip())
    except ValueError:
        return None


def _keyed(path: Path) -> Mapping[str, int]:
    """A flat-keyed file such as cpu.stat or memory.stat: one `name value` per line."""
    values: dict[str, int] = {}
    for line in (_text(path) or "").splitlines():
        name, _, value = line.partition(" ")
        try:
            values[name] = int(value)
        except ValueError:
            continue
    return values


def _v2_limit(path: Path) -> int | None:
    text = _text(path)
    if text is None or text.strip() == "max":
        return None
    try:
        return int(text.strip())
    except ValueError:
        return None


def _v2_cpu_max(path: Path) -> float | None:
    """cpu.max is `$QUOTA $PERIOD` in microseconds; a quota of `max` is no limit."""
    quota, _, period = (_text(path) or "").strip().partition(" ")
    try:
        cores = int(quota) / int(period)
    except (ValueError, ZeroDivisionError):
        return None
    return cores if cores > 0 else None


def _v1_limit(value: int | None) -> int | None:
    return None if value is None or value >= _V1_NO_LIMIT else value
