"""One log line when something starts failing and one when it works again, not one per try: a
dead Redis made the processes log 185 lines a second (beat alone sent a traceback per task)."""

import logging
import time


class OutageLog:
    """Reports the outages of one kind of work (``what``) to ``log``."""

    def __init__(self, log: logging.Logger, what: str) -> None:
        self._log = log
        self._what = what
        self.failures = 0  # since the outage began
        self._since: float | None = None

    @property
    def in_outage(self) -> bool:
        return self._since is not None

    def failed(self, error: BaseException) -> None:
        self.failures += 1
        if self._since is None:
            self._since = time.monotonic()
            self._log.warning("%s failed (%s: %s); retrying quietly", self._what,
                              type(error).__name__, error)  # fmt: skip

    def succeeded(self) -> None:
        if self._since is not None:
            self._log.warning(
                "%s works again after %.1f s (%d attempts failed)",
                self._what, time.monotonic() - self._since, self.failures,
            )  # fmt: skip
            self._since, self.failures = None, 0
