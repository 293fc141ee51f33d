"""Alerts end to end on real parts: Redis, Daphne, a real agent, the simulator, beat and the
evaluator, with WebSocket clients as the screens.

A simulated host's CPU is driven across a rule's lines with `manage.py alerts force` (through beat
and the simulator, exactly as samples travel); the real agent is killed for host-down.
"""

import json
import signal
import subprocess
import sys
import time

import pytest

from tests.live.clients import login, next_message, open_socket
from tests.live.stack import PASSWORD, ROOT, USERNAME, Stack

pytestmark = pytest.mark.live

RULES = {
    "rules": [
        # The shipped host-down rule, as migration 0002 writes it.
        {"name": "host-down", "metric": "host.up", "op": "<", "critical": 1, "for": "0s",
         "summary": "{host} is down: no samples arrive"},
        {"name": "sim-cpu", "metric": "cpu.percent", "hosts": ["sim-001"], "op": ">",
         "warning": 90, "critical": 97, "for": "2s", "clear": 50,
         "summary": "CPU {value}% on {host}"},
        # Fires at once on any real machine: something for host-down to hold.
        {"name": "alpha-procs", "metric": "procs.count", "hosts": ["alpha"], "op": ">",
         "warning": 1, "summary": "{value} processes on {host}"},
    ]
}  # fmt: skip


@pytest.fixture(scope="module")
def stack(tmp_path_factory, test_redis, redis_prefix):
    workdir = tmp_path_factory.mktemp("alerts")
    stack = Stack(workdir, test_redis.url, f"{redis_prefix}-alerts")
    stack.prepare()
    (workdir / "rules.json").write_text(json.dumps(RULES))
    # The six default rules are there: host-down is kept (its description changes), five go.
    assert "2 created, 1 updated, 5 deleted" in stack.manage(
        "alerts", "import", str(workdir / "rules.json"), "--prune"
    )
    stack.add_user("oncall", "responder")
    stack.add_user("watcher", "viewer")
    stack.start_central()
    stack.start_agent("alpha")
    stack.start("simulator", "simulate_hosts", "1", "--prefix", "sim")
    try:
        stack.wait_healthy(hosts_up=2)
        yield stack
    finally:
        stack.stop_all()


class Screen:
    """A socket as a page holds it: the snapshot, then every change, kept by version."""

    def __init__(self, ws, snapshot: dict) -> None:
        self.ws = ws
        self.snapshot = snapshot
        self.alerts = {a["id"]: a for a in snapshot["alerts"]}
        self.events: list[tuple[str, dict]] = []
        self.errors: list[dict] = []

    @classmethod
    async def open(cls, stack: Stack, cookie: str) -> "Screen":
        ws = await open_socket(stack.ws_url, stack.base_url, cookie)
        assert (await next_message(ws))["type"] == "hello"
        snapshot = await next_message(ws)
        assert snapshot["type"] == "alerts" and isinstance(snapshot["version"], int), snapshot
        return cls(ws, snapshot)

    async def until(self, wanted, wait: float = 30, what: str = "") -> dict:
        deadline = time.monotonic() + wait
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"no {what or 'such message'} in {wait:g} s: {self.events[-8:]}"
                )
            try:
                message = await next_message(self.ws, left)
            except TimeoutError:
                continue
            if message["type"] == "alert":
                record = message["alert"]
                known = self.alerts.get(record["id"])
                if known is None or known["version"] < record["version"]:
                    self.alerts[record["id"]] = record
                self.events.append((message["event"], record))
            elif message["type"] == "error":
                self.errors.append(message)
            if wanted(message):
                return message

    async def event(self, event: str, rule: str, host: str, wait: float = 30) -> dict:
        found = await self.until(
            lambda m: m["type"] == "alert" and m["event"] == event
            and m["alert"]["rule"] == rule and m["alert"]["host"] == host,
            wait, f"{event} of {rule} on {host}",
        )  # fmt: skip
        return found["alert"]

    async def send(self, message: dict) -> None:
        await self.ws.send(json.dumps(message))


def force(stack: Stack, value: float) -> None:
    stack.manage("alerts", "force", "sim-001", "cpu.percent", str(value), "--for", "5m")


async def test_a_driven_threshold_goes_pending_fires_is_acked_everywhere_and_resolves(stack):
    responder = await Screen.open(stack, login(stack.base_url, "oncall", PASSWORD))
    wall = await Screen.open(stack, login(stack.base_url, USERNAME, PASSWORD))
    viewer = await Screen.open(stack, login(stack.base_url, "watcher", PASSWORD))

    force(stack, 99)
    pending = await responder.event("pending", "sim-cpu", "sim-001")
    assert pending["state"] == "pending" and pending["severity"] == "critical"
    fired = await responder.event("fired", "sim-cpu", "sim-001", wait=15)
    assert fired["id"] == pending["id"] and fired["fingerprint"] == pending["fingerprint"]
    assert (fired["state"], fired["severity"], fired["value"]) == ("firing", "critical", 99)
    assert fired["summary"] == "CPU 99% on sim-001" and fired["ack"] is None
    assert fired["version"] > pending["version"]
    await wall.event("fired", "sim-cpu", "sim-001")

    # A viewer sees it and may not take it: the server refuses, whatever a page would show.
    await viewer.event("fired", "sim-cpu", "sim-001")
    await viewer.send({"type": "ack", "id": fired["id"]})
    refused = await viewer.until(lambda m: m["type"] == "error", 10, "error")
    assert refused["code"] == "forbidden"

    await responder.send({"type": "ack", "id": fired["id"], "comment": "on it"})
    acked = await wall.event("acked", "sim-cpu", "sim-001", wait=5)
    assert acked["ack"]["by"] == "oncall" and acked["ack"]["comment"] == "on it"
    assert (await viewer.event("acked", "sim-cpu", "sim-001", wait=5))["ack"]["by"] == "oncall"
    await responder.send({"type": "ack", "id": fired["id"]})
    assert (await responder.until(lambda m: m["type"] == "error", 10))["code"] == "already_acked"

    # Hysteresis: below every threshold but above the clear line, it keeps firing.
    force(stack, 70)
    # The evaluator has seen 70 once it says the severity fell; it fires on, as a warning.
    lower = await wall.event("deescalated", "sim-cpu", "sim-001", wait=15)
    assert (lower["state"], lower["severity"], lower["value"]) == ("firing", "warning", 70)
    force(stack, 10)
    resolved = await wall.event("resolved", "sim-cpu", "sim-001", wait=15)
    assert resolved["state"] == "resolved" and resolved["resolved_at"] is not None

    # Every change was written before it was pushed: the timeline holds them in order, with who.
    timeline = json.loads(stack.shell(
        "import json; from dashboards.alerts.models import Alert; "
        f"a = Alert.objects.get(id={fired['id']}); "
        "print(json.dumps({'events': [[e.event, e.by.username if e.by else None, e.comment] "
        "for e in a.events.all()], 'top': a.top}))"
    ))  # fmt: skip
    assert timeline["events"] == [
        ["pending", None, ""], ["fired", None, ""], ["acked", "oncall", "on it"],
        ["deescalated", None, ""], ["resolved", None, ""],
    ]  # fmt: skip
    # What was running when it fired, as the simulator's agent sampled it.
    assert timeline["top"] and {"pid", "name", "cpu_percent"} <= set(timeline["top"][0])
    for screen in (responder, wall, viewer):
        await screen.ws.close()


async def test_a_killed_agent_fires_host_down_and_holds_its_other_alerts(stack):
    cookie = login(stack.base_url, "oncall", PASSWORD)
    screen = await Screen.open(stack, cookie)
    procs = [a for a in screen.alerts.values() if a["rule"] == "alpha-procs"]
    if not procs:
        procs = [await screen.event("fired", "alpha-procs", "alpha")]
    assert procs[0]["state"] == "firing"

    stack.stop("agent-alpha", signal.SIGKILL)
    down = await screen.event("fired", "host-down", "alpha", wait=30)
    assert down["severity"] == "critical" and down["summary"] == "alpha is down: no samples arrive"
    # Held under the host-down alert (told in the same tick, host-down first).
    held = await screen.event("suppressed", "alpha-procs", "alpha", wait=10)
    order = [(e, r["rule"]) for e, r in screen.events]
    assert order.index(("fired", "host-down")) < order.index(("suppressed", "alpha-procs"))
    assert (held["state"], held["held"], held["id"]) == ("suppressed", "firing", procs[0]["id"])
    # A screen that was away gets it all in its snapshot.
    await screen.ws.close()
    again = await Screen.open(stack, cookie)
    states = {a["rule"]: a["state"] for a in again.alerts.values() if a["host"] == "alpha"}
    assert states == {"host-down": "firing", "alpha-procs": "suppressed"}
    assert again.snapshot["version"] >= max(a["version"] for a in again.alerts.values())

    stack.start_agent("alpha")
    await again.event("resolved", "host-down", "alpha", wait=60)
    resumed = await again.event("resumed", "alpha-procs", "alpha", wait=15)
    assert resumed["id"] == procs[0]["id"] and resumed["state"] == "firing"
    await again.ws.close()
    # Held, neither resolved nor fired anew, while the host was down: its whole timeline.
    events = stack.shell(
        "from dashboards.alerts.models import Alert; "
        f"print(*Alert.objects.get(id={resumed['id']}).events.values_list('event', flat=True))"
    ).split()
    assert events == ["fired", "suppressed", "resumed"]


def test_a_bad_rule_file_is_refused_naming_the_rule_and_field_and_changes_nothing(stack):
    bad = stack.workdir / "bad.yaml"
    bad.write_text("rules:\n  - name: ok-rule\n    metric: cpu.percent\n    warning: 50\n"
                   "  - name: broken\n    metric: cpu.percnt\n    warning: 50\n")  # fmt: skip
    done = subprocess.run(
        [sys.executable, "manage.py", "alerts", "import", str(bad)],
        cwd=ROOT, env=stack.env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode != 0
    assert "rule 'broken', metric" in done.stderr and "nothing was imported" in done.stderr
    exported = stack.manage("alerts", "export", "--format", "json")
    assert sorted(r["name"] for r in json.loads(exported)["rules"]) == [
        "alpha-procs", "host-down", "sim-cpu",
    ]  # fmt: skip
