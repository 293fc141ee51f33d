"""Readings that change rarely (the mount table, host totals, the boot time), read again only once
some seconds of the sampler's clock have passed: each is a syscall or a /proc parse that cost as
much as the figures read every second (cProfile of HostSampler.sample)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Refreshed(Generic[T]):
    """``read()``'s value, read again when ``every_s`` have passed on the clock given as ``now``."""

    def __init__(self, read: Callable[[], T], every_s: float) -> None:
        self._read = read
        self._every_s = every_s
        self._value: T | None = None
        self._expires: float | None = None

    def __call__(self, now: float) -> T:
        if self._expires is None or now >= self._expires:
            self._value = self._read()
            self._expires = now + self._every_s
        return self._value
