"""Many hosts on real parts: two agents, the evaluator, beat, Daphne and one screen."""

import itertools
import json
import signal
import time
from pathlib import Path

import pytest
import redis

from core.redis_keys import RedisKeys
from tests.live.clients import login, next_message, open_socket
from tests.live.stack import PASSWORD, USERNAME, Stack

pytestmark = pytest.mark.live
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
PRINT_LABELS = (
    "import json; from dashboards.fleet.models import Host; "
    "print(json.dumps({h.name: h.labels for h in Host.objects.all()}))"
)
SET_ENABLED = (
    "from dashboards.fleet.models import Host; "
    "Host.objects.filter(name='{host}').update(enabled={enabled})"
)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory, test_redis, redis_prefix):
    stack = Stack(tmp_path_factory.mktemp("fleet"), test_redis.url, f"{redis_prefix}-fleet")
    stack.prepare()
    stack.start_central()
    stack.start_agent("alpha", MONITOR_LABELS="env=prod,role=db")
    stack.start_agent("beta", MONITOR_LABELS="env=staging")
    try:
        stack.wait_healthy(hosts_up=2)
        yield stack
    finally:
        stack.stop_all()


@pytest.fixture(scope="module")
def cookie(fleet) -> str:
    return login(fleet.base_url, USERNAME, PASSWORD)


class Screen:
    """A client following every host, keeping what it was told."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.records: dict[str, dict] = {}

    @classmethod
    async def open(cls, stack: Stack, cookie: str, view: str = "full") -> "Screen":
        ws = await open_socket(stack.ws_url, stack.base_url, cookie)
        assert (await next_message(ws))["type"] == "hello"
        await ws.send(
            json.dumps({"type": "subscribe", "hosts": "*", "view": view, "backfill_s": 0})
        )
        return cls(ws)

    async def until(self, wanted, wait: float = 30) -> dict:
        """Read messages until ``wanted(message)`` is true; returns that message."""
        deadline = time.monotonic() + wait
        while True:
            message = await next_message(self.ws, max(0.1, deadline - time.monotonic()))
            if message["type"] == "hosts":
                self.records.update({record["name"]: record for record in message["hosts"]})
            elif message["type"] == "host" and message["event"] == "new":
                self.records[message["host"]] = message["record"]
            elif message["type"] == "host" and message["event"] == "status":
                self.records.setdefault(message["host"], {})["status"] = message["status"]
            if wanted(message):
                return message

    async def status_event(self, host: str, status: str, wait: float = 30) -> dict:
        return await self.until(
            lambda m: m["type"] == "host" and m.get("host") == host and m.get("status") == status,
            wait,
        )

    async def samples_of(self, host: str, count: int, wait: float = 30) -> list[dict]:
        found: list[dict] = []

        def collect(message: dict) -> bool:
            if message["type"] == "samples" and not message.get("backfill"):
                found.extend(
                    s | {"received": time.time()} for s in message["samples"] if s["host"] == host
                )
            return len(found) >= count

        await self.until(collect, wait)
        return found


async def wait_for_status(screen: Screen, host: str, status: str, wait: float = 30) -> None:
    if screen.records.get(host, {}).get("status") != status:
        await screen.status_event(host, status, wait)


async def test_two_agents_stream_to_one_screen_with_their_labels(fleet, cookie):
    screen = await Screen.open(fleet, cookie)
    alpha = await screen.samples_of("alpha", 2)
    beta = await screen.samples_of("beta", 2)
    await screen.ws.close()
    assert alpha[-1]["seq"] > alpha[0]["seq"] and beta[-1]["seq"] > beta[0]["seq"]
    labels = json.loads(fleet.shell(PRINT_LABELS))
    assert labels == {"alpha": {"env": "prod", "role": "db"}, "beta": {"env": "staging"}}


async def test_both_agents_samples_of_a_round_reach_a_screen_in_one_frame(fleet, cookie):
    """Beat numbers each collection round; a screen following both hosts gets one frame per round
    (the first round it sees may be split: it does not know yet whom to wait for)."""
    screen = await Screen.open(fleet, cookie, view="summary")
    frames: list[list[str]] = []

    def live_frame(message: dict) -> bool:
        if message["type"] == "samples" and not message.get("backfill"):
            frames.append(sorted(sample["host"] for sample in message["samples"]))
        return len(frames) >= 8

    await screen.until(live_frame)
    await screen.ws.close()
    steady = frames[2:]
    # A real agent may miss a round now and then (a busy machine); coalescing per host would
    # give no frame with both.
    assert sum(hosts == ["alpha", "beta"] for hosts in steady) >= len(steady) - 1, frames


async def test_a_killed_agent_goes_late_then_down_and_comes_back_up_without_a_backlog(
    fleet, cookie
):
    screen = await Screen.open(fleet, cookie, view="summary")
    await screen.until(lambda m: m["type"] == "hosts")
    await wait_for_status(screen, "beta", "up")
    await screen.samples_of("beta", 1)

    fleet.stop("agent-beta", signal.SIGKILL)
    killed = time.time()
    late = await screen.status_event("beta", "late")
    late_after = time.time() - killed
    down = await screen.status_event("beta", "down")
    down_after = time.time() - killed
    assert late["previous"] == "up" and down["previous"] == "late"

    fleet.start_agent("beta", MONITOR_LABELS="env=staging")
    restarted = time.time()
    await screen.status_event("beta", "up", wait=60)
    up_after = time.time() - restarted
    resumed = await screen.samples_of("beta", 4)
    await screen.ws.close()
    gaps = [b["ts"] - a["ts"] for a, b in itertools.pairwise(resumed)]
    # A backlog runs back to back (a few ms apart); ticks are about an interval apart.
    assert all(gap > 0.2 for gap in gaps), f"a burst of stale samples: {gaps}"

    ARTIFACTS.mkdir(exist_ok=True)
    timings = {
        "late_after_kill_s": late_after,
        "down_after_kill_s": down_after,
        "up_after_restart_s": up_after,
    }
    (ARTIFACTS / "host-down-timing.json").write_text(json.dumps(timings, indent=2))


async def test_a_disabled_host_is_sent_nothing_until_enabled_again(fleet, cookie):
    screen = await Screen.open(fleet, cookie, view="summary")
    await screen.samples_of("alpha", 1)
    fleet.shell(SET_ENABLED.format(host="alpha", enabled=False))
    await screen.status_event("alpha", "disabled")
    disabled_at = time.time()
    seen: dict[str, list[float]] = {"alpha": [], "beta": []}

    def watch(message: dict) -> bool:
        if message["type"] == "samples":
            for sample in message["samples"]:
                seen.setdefault(sample["host"], []).append(time.time())
        return False

    with pytest.raises(TimeoutError):
        await screen.until(watch, wait=5)
    # A collect dispatched just before the change may still land; nothing after that.
    assert [t for t in seen["alpha"] if t > disabled_at + 1.5] == []
    assert len(seen["beta"]) >= 3

    fleet.shell(SET_ENABLED.format(host="alpha", enabled=True))
    await screen.samples_of("alpha", 2)
    await screen.ws.close()


async def test_two_machines_claiming_one_name_are_reported_to_screens(fleet, cookie):
    screen = await Screen.open(fleet, cookie)
    await screen.samples_of("beta", 1)
    # Another "machine": the same code under a different host name (a UTS namespace of its own).
    fleet.start(
        "agent-beta-impostor", "serve", "agent",
        wrapper=("unshare", "--uts", "sh", "-c", 'hostname impostor && exec "$@"', "sh"),
        MONITOR_HOST="beta",
    )  # fmt: skip
    try:
        event = await screen.until(
            lambda m: m["type"] == "host" and m.get("event") == "duplicate", wait=60
        )
    finally:
        fleet.stop("agent-beta-impostor")
        await screen.ws.close()
    assert event["host"] == "beta"
    assert "impostor/" in event["message"] and "2 agents on different machines" in event["message"]


async def test_simulated_hosts_register_and_stream_through_the_same_path(fleet, cookie, test_redis):
    screen = await Screen.open(fleet, cookie, view="summary")
    fleet.start("simulator", "simulate_hosts", "5", "--prefix", "sim", "--labels", "env=sim")
    try:
        announced = set()

        def five_new_hosts(message: dict) -> bool:
            if message["type"] == "host" and message["event"] == "new":
                announced.add(message["host"])
            return len(announced) == 5

        await screen.until(five_new_hosts)
        assert announced == {f"sim-{n:03d}" for n in range(1, 6)}
        samples = await screen.samples_of("sim-003", 2)
        assert samples[1]["seq"] == samples[0]["seq"] + 1
        assert set(samples[0]["metrics"]) >= {
            "cpu.percent",
            "mem.percent",
            "disk.fullest_used_percent",
        }
        await wait_for_status(screen, "sim-005", "up")
    finally:
        fleet.stop("simulator")
        await screen.ws.close()
    labels = json.loads(fleet.shell(PRINT_LABELS))
    assert labels["sim-001"] == {"env": "sim"}
    # They publish on their own clock: beat's dispatcher sends them nothing.
    client = redis.Redis.from_url(test_redis.url)
    keys = RedisKeys(fleet.env["MONITOR_REDIS_PREFIX"])
    assert {name.decode() for name in client.smembers(keys.dispatch)} == {"alpha", "beta"}
