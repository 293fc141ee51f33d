"""One reading of the whole host, combining every area sampler.

What "the host" is depends on the sampling mode chosen at agent start (collectors/container.py):
the machine itself, the host of a container through its mounted /proc, or a container against
its cgroup limits, in which case CgroupSampler runs last and its values win.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from collectors.cgroup import CgroupSampler
from collectors.container import CONTAINER, HOST, MODES, select_mode
from collectors.cpu import CpuSampler
from collectors.disk import DiskSampler
from collectors.fields import Field, Sampler
from collectors.load import LoadSampler
from collectors.memory import MemorySampler
from collectors.network import NetworkSampler
from collectors.processes import ProcessSampler
from collectors.sensors import SensorSampler
from collectors.system import SystemSampler

logger = logging.getLogger("collectors")

DEFAULT_SAMPLER_TYPES: tuple[type[Sampler], ...] = (
    CpuSampler,
    LoadSampler,
    MemorySampler,
    DiskSampler,
    NetworkSampler,
    ProcessSampler,
    SystemSampler,
    SensorSampler,
)

# Container mode: the same, then the cgroup's cpu.percent, mem.* and swap.* over the host-wide ones.
CONTAINER_SAMPLER_TYPES: tuple[type[Sampler], ...] = (*DEFAULT_SAMPLER_TYPES, CgroupSampler)

# Samplers whose readings are reused for this many seconds instead of read on every sample:
# psutil.sensors_temperatures reads five sysfs files per sensor (milliseconds on laptops with
# many hwmon chips, more where a driver wakes the device) and temperatures move slowly.
REUSE_FOR_S: dict[type[Sampler], float] = {SensorSampler: 5.0}

__all__ = [
    "CONTAINER_SAMPLER_TYPES",
    "DEFAULT_SAMPLER_TYPES",
    "Field",
    "HostSampler",
    "Reading",
    "Reused",
    "Sampler",
    "default_samplers",
]


@dataclass(frozen=True)
class Reading:
    """Everything sampled at one moment: flat metrics plus the top processes."""

    ts: float  # time.time() taken right before psutil was read
    metrics: dict[str, float]
    top: list[dict]


def default_samplers(mode: str) -> list[Sampler]:
    """New instances of the samplers for `mode` ("host", "host-proc" or "container")."""
    if mode not in MODES:
        raise ValueError(f"unknown sampling mode {mode!r}; expected one of {', '.join(MODES)}")
    types = CONTAINER_SAMPLER_TYPES if mode == CONTAINER else DEFAULT_SAMPLER_TYPES
    return [_built(sampler_type) for sampler_type in types]


def _built(sampler_type: type[Sampler]) -> Sampler:
    sampler = sampler_type()
    seconds = REUSE_FOR_S.get(sampler_type)
    return sampler if seconds is None else Reused(sampler, seconds)


class Reused:
    """Wraps a sampler without deltas: samples it when `seconds` of `now` have passed since its
    last reading and returns a copy of that reading in between. Only for absolute values: a
    sampler computing rates would see its interval stretched."""

    def __init__(self, sampler: Sampler, seconds: float) -> None:
        self.sampler = sampler
        self.fields = sampler.fields
        self._seconds = seconds
        self._expires: float | None = None
        self._metrics: dict[str, float] = {}

    def sample(self, now: float) -> dict[str, float]:
        """The wrapped sampler's metrics, read again only once they are `seconds` old."""
        if self._expires is None or now >= self._expires:
            self._metrics = self.sampler.sample(now)
            self._expires = now + self._seconds
        return dict(self._metrics)


class HostSampler:
    """Runs each sampler once per sample(); a sampler that raises is logged once and disabled.
    When two samplers produce the same key, the later one in the list wins.

    Keep one instance for the life of the process: rates and CPU percentages are deltas
    against what the previous call saw.

    With no samplers given, the mode is chosen from the environment (select_mode: this reads
    MONITOR_HOST_PROC and MONITOR_CONTAINER, and may raise SamplingModeError) unless `mode` is
    given, and the mode's default samplers are built. `mode` ("host", "host-proc" or "container") is
    kept as the attribute of the same name, for the agent to report; with explicit samplers it
    is only that label, "host" unless given.

    `clock` is the monotonic clock whose reading each sample passes on as `now` (for rates and
    for what is read only every few seconds): time.monotonic unless a benchmark or test passes
    its own.
    """

    def __init__(
        self,
        samplers: Sequence[Sampler] | None = None,
        *,
        mode: str | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if samplers is None:
            mode = select_mode() if mode is None else mode
            samplers = default_samplers(mode)
        self.mode: str = HOST if mode is None else mode
        self._active: list[Sampler] = list(samplers)
        self._clock = clock

    @classmethod
    def fields(cls) -> list[Field]:
        """Every field any default sampler declares, in sampler order (the container mode's
        extra fields last)."""
        return [field for sampler_type in CONTAINER_SAMPLER_TYPES for field in sampler_type.fields]

    def sample(self) -> Reading:
        """Read every active sampler in order and return the combined Reading."""
        ts = time.time()
        now = time.monotonic() if self._clock is None else self._clock()
        metrics: dict[str, float] = {}
        top: list[dict] = []
        for sampler in list(self._active):
            try:
                produced = sampler.sample(now)
            except Exception:
                logger.exception("Sampler %s failed; disabling it", _name(sampler))
                self._active.remove(sampler)
                continue
            _add_numbers(metrics, produced)  # in order: a later sampler's key wins
            if isinstance(sampler, ProcessSampler):
                top = sampler.top
        return Reading(ts=ts, metrics=metrics, top=top)


def _name(sampler: Sampler) -> str:
    return type(sampler.sampler if isinstance(sampler, Reused) else sampler).__name__


def _add_numbers(metrics: dict[str, float], produced: dict[str, float]) -> None:
    # The wire format promises JSON numbers: a missing key is better than null or NaN.
    # Plain floats and ints (what psutil gives) take the fast path; bool is neither.
    for key, value in produced.items():
        kind = type(value)
        if kind is float:
            if math.isfinite(value):
                metrics[key] = value
        elif kind is int or (
            isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        ):
            metrics[key] = value
