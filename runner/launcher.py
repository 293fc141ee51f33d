"""`make run`: the whole product in one terminal, every child stopped on Ctrl-C.

Children that die are restarted with a growing delay (supervisor.py), so a killed agent comes
back by itself, and so does the embedded Redis that all of them need.
"""

import os
import secrets
import signal
import socket
import sys
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from core.redis_clients import REDIS_ERRORS, redis_client, redis_now
from core.redis_keys import redis_keys
from dashboards.health.checks import newest_sample_time
from runner import processes
from runner.embedded_redis import EmbeddedRedis
from runner.supervisor import Child, Supervisor, spawn

ADMIN_USERNAME = "admin"
REDIS_RESTART_DELAYS = (0, 1, 2, 5, 10, 30)


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


class Launcher:
    def __init__(self) -> None:
        children = [
            Child("web", spawn(processes.web_argv)),
            Child("agent", spawn(processes.agent_argv)),
            Child("evaluator", spawn(processes.evaluator_argv)),
            Child("notifier", spawn(processes.notifier_argv)),
            Child("beat", spawn(processes.beat_argv)),
        ]
        if settings.EMBEDDED_REDIS:
            # Everything else needs it: restarted at once, and the others reconnect by
            # themselves (web screens are told with 4503 and come back on their own).
            embedded = EmbeddedRedis(
                settings.REDIS_URL,
                settings.DATA_DIR,
                socket_path=settings.EMBEDDED_REDIS_SOCKET,
                listen=settings.EMBEDDED_REDIS_LISTEN,
                password=settings.EMBEDDED_REDIS_PASSWORD,
            )
            children.insert(0, Child("redis", embedded.start, delays=REDIS_RESTART_DELAYS))
        self.supervisor = Supervisor(children, say)
        self.stopping = False

    def run(self) -> int:
        started = time.monotonic()
        signal.signal(signal.SIGINT, self._request_stop)
        signal.signal(signal.SIGTERM, self._request_stop)
        try:
            if settings.EMBEDDED_REDIS:
                self.supervisor.children[0].start()
                say(f"embedded Redis on {settings.REDIS_URL}")
            call_command("migrate", interactive=False, verbosity=0)
            ensure_admin()
            for child in self.supervisor.children:
                if child.process is None:
                    child.start()
            host, port = settings.MONITOR_BIND
            say(f"dashboard: http://{host}:{port}/   (Ctrl-C stops everything)")
            say(f"another agent joins with: {join_command()}")
            if not os.environ.get("MONITOR_METRICS_TOKEN", "").strip():
                token_file = settings.DATA_DIR / "metrics_token"
                say(f"/metrics for Prometheus: Authorization: Bearer <the token in {token_file}>")
            if not settings.EMBEDDED_REDIS_LISTEN and settings.EMBEDDED_REDIS:
                say(
                    "for agents on other machines, start with MONITOR_REDIS_LISTEN=0.0.0.0:6390 "
                    "(the embedded Redis then takes TCP connections with a generated password)"
                )
            self._supervise(started)
        finally:
            say("stopping")
            self.supervisor.stop_all()
            say("stopped")
        return 0

    def _request_stop(self, signum: int, frame: object) -> None:
        self.stopping = True

    def _supervise(self, started: float) -> None:
        keys = redis_keys(settings.MONITOR_REDIS_PREFIX)
        client = redis_client(settings.REDIS_URL)
        first_sample_seen = False
        try:
            redis_start = redis_now(client)
        except REDIS_ERRORS:
            redis_start = 0.0
        while not self.stopping:
            self.supervisor.keep_alive(time.monotonic())
            if not first_sample_seen:
                try:
                    newest = newest_sample_time(client, keys)
                except REDIS_ERRORS:
                    newest = None
                if newest is not None and newest >= redis_start:
                    first_sample_seen = True
                    say(f"first sample published {time.monotonic() - started:.1f} s after start")
            time.sleep(0.2)


def main() -> int:
    return Launcher().run()


if __name__ == "__main__":
    sys.exit(main())
