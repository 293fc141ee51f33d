"""`make run`: the whole product in one terminal, every child stopped on Ctrl-C.

Children that die are restarted with a growing delay, so a killed agent comes back by itself.
"""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from core.redis_clients import REDIS_ERRORS, redis_client, redis_now
from core.redis_keys import redis_keys
from dashboards.health.checks import newest_sample_time
from runner import processes
from runner.embedded_redis import start_embedded_redis

ADMIN_USERNAME = "admin"
RESTART_DELAYS = (1, 2, 5, 10, 30)
STOP_GRACE_S = 10


def say(message: str) -> None:
    print(f"[monitor] {message}", flush=True)


def ensure_admin() -> None:
    """Create the admin account once, printing its password that one time."""
    users = get_user_model()
    if users.objects.filter(username=ADMIN_USERNAME).exists():
        say(
            f"login: {ADMIN_USERNAME} (password as printed when it was created; "
            f"change it with: .venv/bin/python manage.py changepassword {ADMIN_USERNAME})"
        )
        return
    password = os.environ.get("DJANGO_SUPERUSER_PASSWORD") or secrets.token_urlsafe(12)
    users.objects.create_superuser(ADMIN_USERNAME, email="", password=password)
    if os.environ.get("DJANGO_SUPERUSER_PASSWORD"):
        say(f"created admin account: {ADMIN_USERNAME} (password from DJANGO_SUPERUSER_PASSWORD)")
    else:
        say(f"created admin account: {ADMIN_USERNAME} / {password}   (shown only this once)")


def join_command() -> str:
    """The one command that adds an agent, on this machine or (with a TCP Redis) another one."""
    url = settings.REDIS_URL
    if settings.EMBEDDED_REDIS_LISTEN:
        host, port = settings.EMBEDDED_REDIS_LISTEN
        if host in {"0.0.0.0", "::"}:
            host = socket.getfqdn()
        url = f"redis://:{settings.EMBEDDED_REDIS_PASSWORD}@{host}:{port}/0"
    return f"REDIS_URL='{url}' MONITOR_HOST=<name> make agent"


@dataclass
class Child:
    """A supervised process: its command, the running Popen, and its restart history."""

    name: str
    argv: Callable[[], list[str]]
    process: subprocess.Popen | None = None
    restarts: int = 0
    restart_at: float | None = None
    started_at: float = field(default=0.0)

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv(), start_new_session=True)
        self.started_at = time.monotonic()
        self.restart_at = None

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)


class Launcher:
    def __init__(self) -> None:
        self.children = [
            Child("web", processes.web_argv),
            Child("agent", processes.agent_argv),
            Child("evaluator", processes.evaluator_argv),
            Child("beat", processes.beat_argv),
        ]
        self.redis_process: subprocess.Popen | None = None
        self.stopping = False

    def run(self) -> int:
        started = time.monotonic()
        signal.signal(signal.SIGINT, self._request_stop)
        signal.signal(signal.SIGTERM, self._request_stop)
        try:
            if settings.EMBEDDED_REDIS:
                self.redis_process = start_embedded_redis(
                    settings.REDIS_URL,
                    settings.DATA_DIR,
                    socket_path=settings.EMBEDDED_REDIS_SOCKET,
                    listen=settings.EMBEDDED_REDIS_LISTEN,
                    password=settings.EMBEDDED_REDIS_PASSWORD,
                )
                say(f"embedded Redis on {settings.REDIS_URL}")
            call_command("migrate", interactive=False, verbosity=0)
            ensure_admin()
            for child in self.children:
                child.start()
            host, port = settings.MONITOR_BIND
            say(f"dashboard: http://{host}:{port}/   (Ctrl-C stops everything)")
            say(f"another agent joins with: {join_command()}")
            if not settings.EMBEDDED_REDIS_LISTEN and settings.EMBEDDED_REDIS:
                say(
                    "for agents on other machines, start with MONITOR_REDIS_LISTEN=0.0.0.0:6390 "
                    "(the embedded Redis then takes TCP connections with a generated password)"
                )
            self._supervise(started)
        finally:
            self._stop_all()
        return 0

    def _request_stop(self, signum: int, frame: object) -> None:
        self.stopping = True

    def _supervise(self, started: float) -> None:
        keys = redis_keys(settings.MONITOR_REDIS_PREFIX)
        client = redis_client(settings.REDIS_URL)
        first_sample_seen = False
        redis_start = redis_now(client)
        while not self.stopping:
            now = time.monotonic()
            for child in self.children:
                self._keep_alive(child, now)
            if not first_sample_seen:
                try:
                    newest = newest_sample_time(client, keys)
                except REDIS_ERRORS:
                    newest = None
                if newest is not None and newest >= redis_start:
                    first_sample_seen = True
                    say(f"first sample published {time.monotonic() - started:.1f} s after start")
            time.sleep(0.2)

    def _keep_alive(self, child: Child, now: float) -> None:
        if child.process is None or child.process.poll() is None:
            return
        if child.restart_at is None:
            # A child that ran for a minute earns a fresh start of its delay sequence.
            if now - child.started_at > 60:
                child.restarts = 0
            delay = RESTART_DELAYS[min(child.restarts, len(RESTART_DELAYS) - 1)]
            say(f"{child.name} exited with {child.process.returncode}; restarting in {delay} s")
            child.restart_at = now + delay
            child.restarts += 1
        elif now >= child.restart_at:
            child.start()

    def _stop_all(self) -> None:
        say("stopping")
        for child in self.children:
            child.stop()
        deadline = time.monotonic() + STOP_GRACE_S
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.stop(signal.SIGKILL)
                child.process.wait()
        if self.redis_process is not None:
            self.redis_process.terminate()
            try:
                self.redis_process.wait(5)
            except subprocess.TimeoutExpired:
                self.redis_process.kill()
        say("stopped")


def main() -> int:
    return Launcher().run()


if __name__ == "__main__":
    sys.exit(main())
