"""One reading of the whole host, combining every area sampler."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

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

__all__ = ["DEFAULT_SAMPLER_TYPES", "Field", "HostSampler", "Reading", "Sampler"]


@dataclass(frozen=True)
class Reading:
    """Everything sampled at one moment: flat metrics plus the top processes."""

    ts: float  # time.time() taken right before psutil was read
    metrics: dict[str, float]
    top: list[dict]


class HostSampler:
    """Runs each sampler once per sample(); a sampler that raises is logged once and disabled.

    Keep one instance for the life of the process: rates and CPU percentages are deltas
    against what the previous call saw.
    """

    def __init__(self, samplers: Sequence[Sampler] | None = None) -> None:
        if samplers is None:
            samplers = [sampler_type() for sampler_type in DEFAULT_SAMPLER_TYPES]
        self._active: list[Sampler] = list(samplers)

    @classmethod
    def fields(cls) -> list[Field]:
        """Every field the default samplers declare, in sampler order."""
        return [field for sampler_type in DEFAULT_SAMPLER_TYPES for field in sampler_type.fields]

    def sample(self) -> Reading:
        """Read every active sampler and return the combined Reading."""
        ts = time.time()
        now = time.monotonic()
        metrics: dict[str, float] = {}
        top: list[dict] = []
        for sampler in list(self._active):
            try:
                produced = sampler.sample(now)
            except Exception:
                logger.exception("Sampler %s failed; disabling it", type(sampler).__name__)
                self._active.remove(sampler)
                continue
            metrics.update(_numbers_only(produced))
            if isinstance(sampler, ProcessSampler):
                top = sampler.top
        return Reading(ts=ts, metrics=metrics, top=top)


def _numbers_only(produced: dict[str, float]) -> dict[str, float]:
    # The wire format promises JSON numbers: a missing key is better than null or NaN.
    return {
        key: value
        for key, value in produced.items()
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    }
