"""The fault matrix, on the real processes of `make run`: what the launcher does, how long until
a screen streams again, whether it resumes without a gap, and that nothing stays broken
(/healthz back to 200 by itself). tests/live/test_faults.py holds what must be true;
bench/faults.py prints the timeline for docs/reliability.md from the same runs."""

import asyncio
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from dashboards.stream.stats import REPORT_EVERY_S
from tests.live.launched import Launched
from tests.live.screen import ResumingScreen
from tests.live.stack import open_figures
from tests.services import RedisServer

HOST = socket.gethostname()  # the launcher's own agent
WAIT_S = 90
ROLES = ("web", "agent", "beat", "evaluator", "redis")


@dataclass
class Outcome:
    fault: str
    restarted_after_s: float | None = None  # a new process in the role (None: nothing to restart)
    told: list = field(default_factory=list)  # how the screen learned: close codes, "epoch"
    streaming_again_after_s: float | None = None  # first live sample after the fault
    gaps: list = field(default_factory=list)  # seq gaps the screen saw after the fault
    epoch_changed: bool = False
    unhealthy_s: float = 0.0  # how long /healthz answered anything but 200
    healthy_again_after_s: float | None = None
    log_lines: int = 0  # lines logged from the fault until healthy again (not /healthz's own)
    notes: str = ""

    def row(self) -> dict:
        return {key: value for key, value in self.__dict__.items()}


class HealthWatch:
    """/healthz polled four times a second in a thread: (time, status) for the timeline."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.seen: list[tuple[float, int | None]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "HealthWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def status(self) -> int | None:
        try:
            with open_figures(self.base_url + "/healthz", timeout=2) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return None

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            self.seen.append((time.monotonic(), self.status()))

    def polled_healthy_since(self, at: float) -> bool:
        return any(polled >= at and status == 200 for polled, status in list(self.seen))

    def summary(self, since: float) -> tuple[float, float | None]:
        """Seconds unhealthy after ``since``, and when it was healthy again (relative)."""
        after = [(at, status) for at, status in self.seen if at >= since]
        bad = [at for at, status in after if status != 200]
        if not bad:
            return 0.0, 0.0
        good_again = next((at for at, status in after if at > bad[-1] and status == 200), None)
        unhealthy = sum(0.25 for _ in bad)
        return unhealthy, None if good_again is None else good_again - since


async def wait_for(condition, within_s: float = WAIT_S):
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        await asyncio.sleep(0.1)
    return None


async def settle(launched: Launched, screen: ResumingScreen, health: HealthWatch) -> None:
    """Until the screen streams and /healthz is 200: the state every fault starts from."""
    now = time.monotonic()
    await wait_for(lambda: screen.live_after(now))
    await wait_for(lambda: health.status() == 200)


async def kill_child(
    launched: Launched, screen: ResumingScreen, health: HealthWatch, role: str
) -> Outcome:
    """``kill -9`` of one of the launcher's children."""
    outcome = Outcome(f"{role} killed (-9)")
    lines_before = len(launched.log().splitlines())
    started = time.monotonic()
    old = launched.kill(role)
    new = await asyncio.to_thread(launched.wait_child, role, old, WAIT_S)
    outcome.restarted_after_s = time.monotonic() - started if new else None
    await finish(outcome, launched, screen, health, started, lines_before)
    return outcome


async def finish(
    outcome: Outcome,
    launched: Launched,
    screen: ResumingScreen,
    health: HealthWatch,
    started: float,
    lines_before: int,
) -> None:
    """Wait for the screen and /healthz to recover, then read the timeline off both."""
    live = await wait_for(lambda: screen.live_after(started + 0.01))
    await wait_for(lambda: health.status() == 200)
    recovered = time.monotonic()
    await wait_for(lambda: health.polled_healthy_since(recovered))  # in the watch's timeline
    outcome.streaming_again_after_s = None if live is None else live.at - started
    outcome.told = [e.detail for e in screen.events if e.at >= started and e.kind == "closed"]
    outcome.epoch_changed = any(e.kind == "epoch" and e.at >= started for e in screen.events)
    if outcome.epoch_changed:
        outcome.told.append("new epoch")
    outcome.gaps = [e.detail for e in screen.events if e.at >= started and e.kind == "gap"]
    outcome.unhealthy_s, outcome.healthy_again_after_s = health.summary(started)
    logged = launched.log().splitlines()[lines_before:]
    outcome.log_lines = sum(1 for line in logged if "/healthz" not in line)


async def restart_external_redis(
    launched: Launched, screen: ResumingScreen, health: HealthWatch, redis_server, down_s: float
) -> Outcome:
    """The Redis named by REDIS_URL stops and comes back ``down_s`` later, empty."""
    outcome = Outcome(f"external Redis restarted ({down_s:g} s down)")
    lines_before = len(launched.log().splitlines())
    started = time.monotonic()
    redis_server.stop()
    await asyncio.sleep(down_s)
    redis_server.start()
    outcome.restarted_after_s = time.monotonic() - started
    await finish(outcome, launched, screen, health, started, lines_before)
    return outcome


def reported_stream(launched: Launched) -> dict | None:
    """/healthz's stream figures once a web process has reported them: after Redis starts over
    the figures are gone until each process's next report (every REPORT_EVERY_S)."""
    with open_figures(launched.base_url + "/healthz", timeout=5) as response:
        stream = json.load(response).get("stream", {})
    return stream if stream.get("processes") else None


async def run_matrix(workdir: Path) -> dict[str, Outcome]:
    """Every fault in turn on one `make run` (and the external Redis on a second one)."""
    launched = Launched(workdir / "embedded").start()
    outcomes: dict[str, Outcome] = {}
    try:
        screen = ResumingScreen(launched.ws_url, launched.base_url, launched.cookie(), HOST)
        screen.start()
        with HealthWatch(launched.base_url) as health:
            for role in ROLES:
                await settle(launched, screen, health)
                outcomes[role] = await kill_child(launched, screen, health, role)
            await settle(launched, screen, health)
            outcomes["after"] = Outcome("after every fault", notes=launched.log())
            reported = await wait_for(lambda: reported_stream(launched), 3 * REPORT_EVERY_S)
            outcomes["clients_after"] = None if reported is None else reported["clients"]
        await screen.stop()
    finally:
        launched.stop()
    redis_server = RedisServer(workdir).start()
    external = Launched(workdir / "external", REDIS_URL=redis_server.url).start()
    try:
        screen = ResumingScreen(external.ws_url, external.base_url, external.cookie(), HOST)
        screen.start()
        with HealthWatch(external.base_url) as health:
            await settle(external, screen, health)
            outcomes["external-redis"] = await restart_external_redis(
                external, screen, health, redis_server, down_s=5
            )
        await screen.stop()
    finally:
        external.stop()
        redis_server.stop()
    return outcomes
