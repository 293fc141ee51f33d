"""The memory of closed connections goes back: a full collection once enough connections have
closed, then the freed heap is handed back to the operating system.

Every connection leaves about 80 objects in reference cycles (Twisted's protocol and transport,
autobahn's state, the consumer's bound methods and tasks) that only a full collection frees, and
the web process makes full collections rare (web_server.settle_garbage_collector: with thousands
of sockets each one stalls every client). Left alone, each round of 2,000 screens connecting and
leaving added 50 MiB that never came back (bench/storm.py). A full collection costs about 0.1 ms
per live connection, so it runs only after a burst of disconnects or a while after the last one.
"""

import contextlib
import ctypes
import ctypes.util
import gc
import time

# After this many disconnects; after the last of fewer, once none came for QUIET_S (a burst is
# over: what it left behind goes before the next burst would pile onto it); and at least once
# every LONGEST_WAIT_S while they trickle in.
RECLAIM_AFTER_DISCONNECTS = 200
QUIET_S = 5.0
LONGEST_WAIT_S = 60.0


def _malloc_trim():
    """glibc's malloc_trim, or None where the C library has none (musl, macOS)."""
    with contextlib.suppress(OSError, AttributeError, TypeError):
        return ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim
    return None


class Reclaimer:
    """Counts disconnects and, when due, runs a full collection and trims the C heap."""

    def __init__(
        self,
        after_disconnects: int = RECLAIM_AFTER_DISCONNECTS,
        quiet_s: float = QUIET_S,
        longest_wait_s: float = LONGEST_WAIT_S,
        clock=time.monotonic,
    ) -> None:
        self.after_disconnects = after_disconnects
        self.quiet_s = quiet_s
        self.longest_wait_s = longest_wait_s
        self._clock = clock
        self.pending = 0
        self._first_pending_at = self._last_at = 0.0
        self.collections = 0
        self.longest_pause_s = 0.0
        self._trim = _malloc_trim()

    def disconnected(self) -> None:
        self._last_at = self._clock()
        if not self.pending:
            self._first_pending_at = self._last_at
        self.pending += 1

    def due(self) -> bool:
        if not self.pending:
            return False
        now = self._clock()
        return (
            self.pending >= self.after_disconnects
            or now - self._last_at >= self.quiet_s
            or now - self._first_pending_at >= self.longest_wait_s
        )

    def reclaim(self) -> float:
        """Collect and trim now; returns how long the process was paused, in seconds."""
        started = time.perf_counter()
        gc.collect()
        if self._trim is not None:
            self._trim(0)
        paused = time.perf_counter() - started
        self.pending = 0
        self.collections += 1
        self.longest_pause_s = max(self.longest_pause_s, paused)
        return paused


RECLAIMER = Reclaimer()
