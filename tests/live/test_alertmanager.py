"""Debian's real Alertmanager in front of a running stack: alerts posted to its API reach the
screens through its webhook receiver, with a responder's token; acknowledging one silences it in
that Alertmanager (MONITOR_ALERTMANAGER_URL) and taking the acknowledgement back expires it.

Latency from the POST to Alertmanager to the screen's frame is printed, never asserted.
"""

import json
import subprocess
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest

from tests.live.clients import login
from tests.live.stack import PASSWORD, Stack, wait_until
from tests.live.test_alerts import Screen
from tests.services import free_port, require_debian_peer

pytestmark = pytest.mark.live
ALERTMANAGER = "/usr/bin/prometheus-alertmanager"
RESPONDER = "oncall"
CONFIG = """\
route:
  receiver: live-monitor
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: live-monitor
    webhook_configs:
      - url: {base_url}/api/alertmanager/
        send_resolved: true
        http_config:
          authorization:
            credentials: "{token}"
"""


def require_alertmanager() -> None:
    require_debian_peer(
        ALERTMANAGER,
        "prometheus-alertmanager",
        "alerts from a real Alertmanager were not tested",
        "MONITOR_REQUIRE_ALERTMANAGER",
    )


@pytest.fixture(scope="module")
def alertmanager_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="module")
def stack(tmp_path_factory, test_redis, redis_prefix, alertmanager_url):
    require_alertmanager()  # before starting anything: the stack alone takes seconds
    workdir = tmp_path_factory.mktemp("alertmanager-stack")
    stack = Stack(
        workdir, test_redis.url, f"{redis_prefix}-alertmanager",
        MONITOR_ALERTMANAGER_URL=alertmanager_url,
    )  # fmt: skip
    stack.prepare()
    stack.add_user(RESPONDER, "responder")
    stack.start_central()
    stack.start("agent")  # /healthz wants a fresh sample
    try:
        stack.wait_healthy(hosts_up=1)
        yield stack
    finally:
        stack.stop_all()


@pytest.fixture(scope="module")
def token(stack) -> str:
    """The responder's API token, printed on the last line."""
    return stack.manage("token", "create", RESPONDER, "--name", "alertmanager").split()[-1]


@pytest.fixture(scope="module")
def alertmanager(stack, token, tmp_path_factory, alertmanager_url) -> str:
    """Alertmanager sending to ``stack``, alone (no cluster); its API v2 URL. Killed after."""
    workdir = tmp_path_factory.mktemp("alertmanager")
    config = workdir / "alertmanager.yml"
    config.write_text(CONFIG.format(base_url=stack.base_url, token=token))
    with open(workdir / "alertmanager.log", "wb") as log:
        process = subprocess.Popen(
            [
                ALERTMANAGER,
                f"--config.file={config}",
                f"--storage.path={workdir / 'data'}",
                f"--web.listen-address={alertmanager_url.removeprefix('http://')}",
                "--cluster.listen-address=",  # empty: no gossip, no peers
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    api = f"{alertmanager_url}/api/v2"
    try:
        wait_until(lambda: call("GET", f"{api}/status", quiet=True), 30, "Alertmanager's API")
        yield api
    finally:
        process.kill()
        process.wait(10)


def call(method: str, url: str, body=None, token: str = "", quiet: bool = False):
    """The decoded JSON answer (True when empty); with ``quiet``, None while nothing answers."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            text = response.read()
    except (urllib.error.URLError, OSError):
        if quiet:
            return None
        raise
    return json.loads(text) if text.strip() else True


def alert(name: str, instance: str, ends: datetime | None = None) -> dict:
    """One alert of a Prometheus rule, as Prometheus posts it; resolved when ``ends`` is past."""
    posted = {
        "labels": {"alertname": name, "instance": instance, "severity": "critical"},
        "annotations": {"summary": f"{name} on {instance}"},
        "generatorURL": f"http://prometheus.example:9090/graph?g0.expr=up%3D%3D0&{name}",
    }
    if ends is not None:
        posted["endsAt"] = ends.isoformat()
    return posted


def the_past() -> datetime:
    return datetime.now(UTC) - timedelta(seconds=1)


def silence_of(api: str, labels: dict[str, str]) -> dict | None:
    """The newest silence whose matchers are exactly these labels."""
    found = [
        s for s in call("GET", f"{api}/silences")
        if {m["name"]: m["value"] for m in s["matchers"]} == labels
        and all(m["isEqual"] and not m["isRegex"] for m in s["matchers"])
    ]  # fmt: skip
    return max(found, key=lambda s: s["updatedAt"]) if found else None


def silence_in(api: str, labels: dict[str, str], state: str) -> dict | None:
    silence = silence_of(api, labels)
    return silence if silence and silence["status"]["state"] == state else None


async def test_an_alert_from_alertmanager_pops_up_is_silenced_there_while_acked_and_resolves(
    stack, token, alertmanager
):
    screen = await Screen.open(stack, login(stack.base_url, RESPONDER, PASSWORD))
    posted = alert("NodeDown", "db1:9100")

    started = time.monotonic()
    call("POST", f"{alertmanager}/alerts", [posted])
    fired = await screen.event("fired", "NodeDown", "db1", wait=30)
    latency = time.monotonic() - started
    print(f"\nAlertmanager -> screen: {latency:.2f} s from the POST to the fired frame")
    assert (fired["source"], fired["severity"], fired["state"]) == (
        "alertmanager", "critical", "firing",
    )  # fmt: skip
    assert fired["summary"] == "NodeDown on db1:9100"
    assert fired["generator_url"] == posted["generatorURL"]

    # Another alert of the group: Alertmanager sends the whole group again, NodeDown with it.
    call("POST", f"{alertmanager}/alerts", [alert("NodeDown", "db2:9100")])
    await screen.event("fired", "NodeDown", "db2", wait=30)
    again = [e for e, r in screen.events if e == "fired" and r["id"] == fired["id"]]
    assert len(again) == 1, screen.events

    await screen.send({"type": "ack", "id": fired["id"], "comment": "rebooting db1"})
    acked = await screen.event("acked", "NodeDown", "db1", wait=10)
    assert acked["ack"]["by"] == RESPONDER and acked["ack"]["comment"] == "rebooting db1"
    started = time.monotonic()
    silence = wait_until(
        lambda: silence_in(alertmanager, posted["labels"], "active"), 30, "the silence"
    )
    print(f"ack -> active silence in Alertmanager: {time.monotonic() - started:.2f} s")
    assert (silence["createdBy"], silence["comment"]) == (RESPONDER, "rebooting db1")
    silenced = [a for a in call("GET", f"{alertmanager}/alerts") if a["labels"] == posted["labels"]]
    assert silenced[0]["status"]["silencedBy"] == [silence["id"]]
    detail = call("GET", f"{stack.base_url}/api/alerts/{fired['id']}", token=token)
    ack_event = next(e for e in detail["events"] if e["event"] == "acked")
    assert ack_event["detail"]["alertmanager_silence"] == silence["id"]

    await screen.send({"type": "unack", "id": fired["id"]})
    await screen.event("unacked", "NodeDown", "db1", wait=10)
    expired = wait_until(
        lambda: silence_in(alertmanager, posted["labels"], "expired"), 30, "the silence expired"
    )
    assert expired["id"] == silence["id"]

    call("POST", f"{alertmanager}/alerts", [alert("NodeDown", "db1:9100", the_past())])
    resolved = await screen.event("resolved", "NodeDown", "db1", wait=30)
    assert resolved["id"] == fired["id"] and resolved["resolved_at"] is not None
    listed = call(
        "GET", f"{stack.base_url}/api/alerts?state=resolved&source=alertmanager", token=token
    )
    assert [a["id"] for a in listed["alerts"] if a["host"] == "db1"] == [fired["id"]]
    await screen.ws.close()


async def test_an_alert_resolved_while_silenced_there_still_resolves_on_the_screens(
    stack, token, alertmanager
):
    # The silence mutes our webhook too: Alertmanager never sends this resolution. The
    # notifier asks it whether the alert is still there (every WATCH_S, 10 s) instead.
    screen = await Screen.open(stack, login(stack.base_url, RESPONDER, PASSWORD))
    posted = alert("DiskFull", "web1:9100")
    call("POST", f"{alertmanager}/alerts", [posted])
    fired = await screen.event("fired", "DiskFull", "web1", wait=30)
    await screen.send({"type": "ack", "id": fired["id"]})
    await screen.event("acked", "DiskFull", "web1", wait=10)
    silence = wait_until(
        lambda: silence_in(alertmanager, posted["labels"], "active"), 30, "the silence"
    )
    assert silence["comment"] == "acknowledged in Live Monitor"

    started = time.monotonic()
    call("POST", f"{alertmanager}/alerts", [alert("DiskFull", "web1:9100", the_past())])
    resolved = await screen.event("resolved", "DiskFull", "web1", wait=45)
    print(f"\nresolved in a silenced Alertmanager -> screen: {time.monotonic() - started:.1f} s")
    assert resolved["id"] == fired["id"]
    wait_until(
        lambda: silence_in(alertmanager, posted["labels"], "expired"), 30, "the silence expired"
    )
    await screen.ws.close()
