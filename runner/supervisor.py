"""Children kept alive: each one that exits is started again after a growing delay, and all of
them are stopped together when the supervisor stops, the first one (what the others need: the
embedded Redis) last."""

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

RESTART_DELAYS = (1, 2, 5, 10, 30)
# A child that ran this long earns a fresh start of its delay sequence.
STABLE_AFTER_S = 60
STOP_GRACE_S = 10


def spawn(argv: Callable[[], list[str]]) -> Callable[[], subprocess.Popen]:
    """A child's start: ``argv()`` in a process group of its own (so a signal reaches all of it)."""
    return lambda: subprocess.Popen(argv(), start_new_session=True)


@dataclass
class Child:
    """A supervised process: how to start it, the running Popen, and its restart history."""

    name: str
    start_process: Callable[[], subprocess.Popen]
    delays: tuple[float, ...] = RESTART_DELAYS
    process: subprocess.Popen | None = None
    restarts: int = 0
    restart_at: float | None = None
    started_at: float = field(default=0.0)

    def start(self) -> None:
        self.process = self.start_process()
        self.started_at = time.monotonic()
        self.restart_at = None

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)


class Supervisor:
    """Starts children in order, restarts those that exit, stops them all in reverse order."""

    def __init__(self, children: list[Child], say: Callable[[str], None]) -> None:
        self.children = children
        self._say = say

    def start_all(self) -> None:
        for child in self.children:
            child.start()

    def keep_alive(self, now: float) -> None:
        for child in self.children:
            self._keep_alive(child, now)

    def _keep_alive(self, child: Child, now: float) -> None:
        if child.process is None or child.process.poll() is None:
            return
        if child.restart_at is None:
            if now - child.started_at > STABLE_AFTER_S:
                child.restarts = 0
            delay = child.delays[min(child.restarts, len(child.delays) - 1)]
            self._say(
                f"{child.name} exited with {child.process.returncode}; restarting in {delay:g} s"
            )
            child.restart_at = now + delay
            child.restarts += 1
        elif now >= child.restart_at:
            try:
                child.start()
            except Exception as exc:  # a start that fails is tried again, later
                self._say(f"{child.name} could not start: {exc}")
                child.restart_at = None
                child.started_at = now

    def stop_all(self) -> None:
        for group in (self.children[1:], self.children[:1]):
            for child in group:
                child.stop()
            deadline = time.monotonic() + STOP_GRACE_S
            for child in group:
                if child.process is None:
                    continue
                try:
                    child.process.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.stop(signal.SIGKILL)
                    child.process.wait()
