"""The product as `make run` runs it: `manage.py launch` on the embedded default, in a data dir of
its own, with its children found by role. Used by the fault tests and the storm and soak benches.
"""

import contextlib
import os
import signal
from pathlib import Path

import psutil

from tests.live.clients import login
from tests.live.stack import PASSWORD, Stack, wait_until

# How each child of the launcher is told apart, by its command line.
ROLES = {
    "redis": "redis-server",
    "web": "runner.web",
    "agent": " -m agent ",
    "evaluator": "evaluator@",
    "beat": " beat ",
}


class Launched:
    """A running `manage.py launch`: its URLs, a signed-in cookie and its children by role."""

    def __init__(self, workdir: Path, **env: str) -> None:
        env.setdefault("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
        workdir.mkdir(parents=True, exist_ok=True)
        redis_url = env.pop("REDIS_URL", None)
        self.stack = Stack(workdir, redis_url=redis_url, prefix="monitor", **env)
        self.launcher = None

    @property
    def base_url(self) -> str:
        return self.stack.base_url

    @property
    def ws_url(self) -> str:
        return self.stack.ws_url

    @property
    def redis_url(self) -> str:
        return f"unix://{self.stack.workdir / 'redis.sock'}"

    def start(self, timeout: float = 120) -> "Launched":
        self.launcher = self.stack.start("launch", "launch")
        self.stack.wait_healthy(timeout=timeout, hosts_up=1)
        return self

    def cookie(self) -> str:
        return login(self.base_url, "admin", PASSWORD)

    def child(self, role: str) -> psutil.Process | None:
        """The launcher's child in ``role`` (the top process of its group), if one runs."""
        marker = ROLES[role]
        for child in psutil.Process(self.launcher.pid).children():
            with contextlib.suppress(psutil.Error):
                if marker in " " + " ".join(child.cmdline()) + " ":
                    return child
        return None

    def wait_child(self, role: str, other_than: int | None = None, timeout: float = 60):
        """The child in ``role`` once one runs (a new one, if ``other_than`` names the old pid)."""

        def running():
            found = self.child(role)
            return found if found and found.pid != other_than else None

        return wait_until(running, timeout, f"a {role} process")

    def kill(self, role: str, sig: int = signal.SIGKILL) -> int:
        """Kill the child in ``role`` (its whole process group); returns its pid."""
        process = self.child(role)
        assert process is not None, f"no {role} process is running"
        os.killpg(process.pid, sig)
        return process.pid

    def log(self) -> str:
        return self.stack.log("launch")

    def stop(self) -> None:
        if self.launcher is not None and self.launcher.poll() is None:
            self.launcher.send_signal(signal.SIGINT)
            try:
                self.launcher.wait(30)
            except Exception:
                self.launcher.kill()
        self.stack.stop_all()
