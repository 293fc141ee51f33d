"""Physical memory and swap usage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psutil

from collectors.fields import Field


class MemorySampler:
    """Memory and swap totals and usage exactly as psutil reports them."""

    fields = (
        Field("mem.total_bytes", "bytes", "Total physical memory."),
        Field("mem.used_bytes", "bytes", "Memory in use, as psutil computes it for the OS."),
        Field(
            "mem.available_bytes", "bytes", "Memory available to new processes without swapping."
        ),
        Field(
            "mem.percent", "percent", "Share of memory not available: (total - available) / total."
        ),
        Field("swap.total_bytes", "bytes", "Total swap space (0 when there is none)."),
        Field("swap.used_bytes", "bytes", "Swap space in use."),
        Field("swap.percent", "percent", "Share of swap space in use."),
    )

    def __init__(
        self,
        read_memory: Callable[[], Any] = psutil.virtual_memory,
        read_swap: Callable[[], Any] = psutil.swap_memory,
    ) -> None:
        self._read_memory = read_memory
        self._read_swap = read_swap

    def sample(self, now: float) -> dict[str, float]:
        """Return memory and swap figures; `now` is unused (no deltas)."""
        memory = self._read_memory()
        swap = self._read_swap()
        return {
            "mem.total_bytes": memory.total,
            "mem.used_bytes": memory.used,
            "mem.available_bytes": memory.available,
            "mem.percent": memory.percent,
            "swap.total_bytes": swap.total,
            "swap.used_bytes": swap.used,
            "swap.percent": swap.percent,
        }
