"""The product's real processes, started the way Compose and `make run` start them."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.services import free_port

ROOT = Path(__file__).resolve().parents[2]
NO_DATABASE = {"DATABASE_URL": "postgres://nobody@127.0.0.1:9/none", "DJANGO_SECRET_KEY": "x" * 50}
USERNAME = "tester"
PASSWORD = "correct-horse-battery-9"
# The bearer token every test stack is given for /metrics and /healthz's details.
METRICS_TOKEN = "test-metrics-token-0123456789abcdef"


def open_figures(url: str, timeout: float = 5):
    """urlopen for /metrics and /healthz, with the metrics token."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    return urllib.request.urlopen(request, timeout=timeout)


def wait_until(condition, timeout: float, what: str, step: float = 0.1):
    """Poll ``condition`` until it is truthy; fail naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


class Stack:
    """Web, agent and beat as subprocesses of this test run, logging into ``workdir``."""

    def __init__(self, workdir: Path, redis_url: str | None, prefix: str, **env: str) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws/live/"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "DJANGO_"))},
            "MONITOR_DATA_DIR": str(workdir),
            "MONITOR_BIND": f"127.0.0.1:{self.port}",
            "MONITOR_REDIS_PREFIX": prefix,
            "MONITOR_INTERVAL": "1",
            "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
            "MONITOR_METRICS_TOKEN": METRICS_TOKEN,
            "PYTHONWARNINGS": "ignore",
            **env,
        }
        self.env.pop("REDIS_URL", None)
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        self.processes: dict[str, subprocess.Popen] = {}

    def shell(self, code: str) -> str:
        """Run Python in ``manage.py shell`` against this stack's database (as an admin would)."""
        return self.manage("shell", "--verbosity", "0", "-c", code)

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    def prepare(self) -> None:
        self.manage("migrate", "--noinput")
        self.manage(
            "createsuperuser", "--noinput", "--username", USERNAME, "--email", "t@example.com"
        )

    def start(
        self, role: str, *command: str, wrapper: tuple[str, ...] = (), **env: str
    ) -> subprocess.Popen:
        """Start ``manage.py serve <role>`` (or ``command``), logging to <workdir>/<role>.log.

        ``env`` adds variables for this process; ``wrapper`` runs it under another command.
        """
        log = open(self.workdir / f"{role}.log", "ab")  # noqa: SIM115 - lives as long as the process
        process = subprocess.Popen(
            [*wrapper, sys.executable, "manage.py", *(command or ("serve", role))],
            cwd=ROOT, env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.processes[role] = process
        return process

    def start_central(self) -> None:
        """Web, evaluator, notifier and beat: everything but the agents."""
        for role in ("web", "evaluator", "notifier", "beat"):
            self.start(role)

    def start_agent(self, host: str, **env: str) -> subprocess.Popen:
        """An agent for ``host`` (role ``agent-<host>``) with a database URL that leads nowhere:
        agents must work without ever opening the database."""
        return self.start(
            f"agent-{host}", "serve", "agent", MONITOR_HOST=host, **NO_DATABASE, **env
        )

    def stop(self, role: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(role)
        if process.poll() is None:
            os.killpg(process.pid, sig)
        process.wait(20)

    def stop_all(self) -> None:
        for role in list(self.processes):
            self.stop(role)

    def wait_healthy(self, timeout: float = 60, hosts_up: int = 0) -> None:
        """Until /healthz answers 200 and at least ``hosts_up`` hosts are up."""

        def healthy() -> bool:
            try:
                with open_figures(self.base_url + "/healthz", timeout=2) as response:
                    health = json.load(response)
            except OSError:
                return False
            return health["hosts"].get("up", 0) >= hosts_up

        wait_until(healthy, timeout, f"/healthz 200 with {hosts_up} hosts up")

    def import_file(self, command: str, document: dict, *args: str) -> str:
        """``manage.py <command> import`` of ``document``, written as a JSON file first."""
        path = self.workdir / f"{command}-import.json"
        path.write_text(json.dumps(document))
        return self.manage(command, "import", str(path), *args)

    def add_user(self, name: str, role: str) -> None:
        """A user of ``role`` (viewer, responder or admin: docs/security.md), with PASSWORD."""
        self.shell(
            "from django.contrib.auth.models import Group, User; "
            f"User.objects.create_user({name!r}, password={PASSWORD!r})"
            f".groups.add(Group.objects.get(name={role!r}))"
        )

    def sign_in(self, page, path: str = "/", username: str = USERNAME, tap: bool = False) -> None:
        """Open ``path`` in a Playwright page, signing in on the login form it is sent to."""
        page.goto(self.base_url + path)
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        (page.tap if tap else page.click)("button[type=submit]")
        page.wait_for_url(self.base_url + path)

    def log(self, role: str) -> str:
        path = self.workdir / f"{role}.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextlib.contextmanager
def running_stack(workdir: Path, redis_url: str, prefix: str):
    """Web, agent and beat running and healthy, with a signed-up test user; all stopped after."""
    stack = Stack(workdir, redis_url, prefix)
    stack.prepare()
    stack.start_central()
    stack.start("agent")
    try:
        stack.wait_healthy(hosts_up=1)
        yield stack
    finally:
        stack.stop_all()


@contextlib.contextmanager
def simulated_stack(workdir: Path, redis_url: str, prefix: str, prepare=None, hosts: int = 1):
    """The central processes and ``hosts`` simulated hosts (sim-001, ...), running and healthy,
    after ``prepare(stack)`` set up the database (rules, dashboards, users); all stopped after."""
    stack = Stack(workdir, redis_url, prefix)
    stack.prepare()
    if prepare is not None:
        prepare(stack)
    stack.start_central()
    stack.start("simulator", "simulate_hosts", str(hosts), "--prefix", "sim")
    try:
        stack.wait_healthy(hosts_up=hosts)
        yield stack
    finally:
        stack.stop_all()
