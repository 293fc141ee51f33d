"""200 alerts firing at once, on `make run`'s product: how long until 50 screens have them all,
how the browser copes, and whether the real agent keeps its cadence meanwhile.

    .venv/bin/python -m bench.alert_storm [--hosts 200] [--screens 50]   # make bench-alert-storm

The launcher runs web, agent, beat and the evaluator; a simulator adds ``--hosts`` hosts. One
rule (cpu.percent above 1,000, `for` 0s) cannot fire by itself; every simulated host's CPU is
then forced over it in one Redis round trip (core/forcing.py, what `manage.py alerts force`
does), so every host fires in the same tick. Measured from that write: when each WebSocket screen
had every `fired` frame (median and slowest screen), the overview in headless Chromium (toasts on
screen, the longest gap between animation frames), and the launcher's own agent's samples per
second over the 20 s around the storm, against the 20 s before it.
"""

import argparse
import asyncio
import concurrent.futures
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from core import forcing
from core.redis_clients import redis_client
from core.redis_keys import redis_keys
from tests.browser.conftest import LAUNCH_ARGS, chromium_executable
from tests.live.clients import greeted, next_message, open_socket
from tests.live.launched import Launched
from tests.live.stack import PASSWORD, ROOT

RULE = {"rules": [{"name": "storm", "metric": "cpu.percent", "op": ">", "critical": 1000,
                   "summary": "storm on {host}"}]}  # fmt: skip
FRAME_SPY = """
window.__gaps = [];
(() => { let last = performance.now();
  const tick = (t) => { window.__gaps.push(t - last); last = t; requestAnimationFrame(tick); };
  requestAnimationFrame(tick); })();
"""


async def screen_times(ws, expected: int, started: dict, wait: float) -> float | None:
    """Seconds from the forcing write until this screen had ``expected`` fired frames."""
    fired: set[int] = set()
    deadline = time.monotonic() + wait
    while len(fired) < expected and time.monotonic() < deadline:
        try:
            message = await next_message(ws, max(0.1, deadline - time.monotonic()))
        except TimeoutError:
            break
        if message["type"] == "alert" and message["event"] == "fired":
            fired.add(message["alert"]["id"])
    if len(fired) < expected or "at" not in started:
        return None
    return time.monotonic() - started["at"]


async def agent_rate(ws, host: str, seconds: float) -> float:
    """The host's samples per second read within the next ``seconds`` (by their own ``ts``:
    samples that waited in the socket's buffer from before do not count)."""
    count, start = 0, time.time()
    deadline = time.monotonic() + seconds + 2  # samples read at the window's end still arrive
    while time.monotonic() < deadline:
        try:
            message = await next_message(ws, max(0.05, deadline - time.monotonic()))
        except TimeoutError:
            break
        if message["type"] == "samples" and not message.get("backfill"):
            count += sum(
                1 for s in message["samples"]
                if s["host"] == host and start <= s["ts"] < start + seconds
            )  # fmt: skip
    return count / seconds


async def run(args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="bench-alert-storm-"))
    launched = Launched(workdir).start()
    simulator = None
    browser_run = None
    # Playwright's sync objects belong to the thread that made them: one thread for all calls.
    browser_thread = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    loop = asyncio.get_running_loop()
    try:
        env = launched.stack.env
        (workdir / "rules.json").write_text(json.dumps(RULE))
        launched.stack.manage("alerts", "import", str(workdir / "rules.json"), "--prune")
        simulator = subprocess.Popen(  # noqa: ASYNC220 - started once, never waited on here
            [sys.executable, "manage.py", "simulate_hosts", str(args.hosts), "--prefix", "sim"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        await asyncio.sleep(8)  # registered, sampled, up
        cookie = launched.cookie()
        screens = []
        for _ in range(args.screens):
            ws = await open_socket(launched.ws_url, launched.base_url, cookie)
            await greeted(ws)
            screens.append(ws)
        host = socket.gethostname()
        follower = await open_socket(launched.ws_url, launched.base_url, cookie)
        await greeted(follower)
        await follower.send(json.dumps({"type": "subscribe", "hosts": [host], "backfill_s": 0}))
        before_rate = await agent_rate(follower, host, 20)

        executable = chromium_executable()
        if executable:
            browser_run = await loop.run_in_executor(
                browser_thread, open_overview, executable, launched.base_url
            )

        client = redis_client(launched.redis_url)
        keys = redis_keys("monitor")
        started: dict = {}
        waits = [screen_times(ws, args.hosts, started, args.wait) for ws in screens]
        during = asyncio.ensure_future(agent_rate(follower, host, 20))
        tasks = [asyncio.ensure_future(w) for w in waits]
        await asyncio.sleep(0.5)
        pipe = client.pipeline(transaction=False)
        for n in range(1, args.hosts + 1):
            forcing.force(pipe, keys, f"sim-{n:03d}", "cpu.percent", 5000.0, 600)
        pipe.execute()
        started["at"] = time.monotonic()
        times = await asyncio.gather(*tasks)
        during_rate = await during
        page_figures = None
        if browser_run is not None:
            page_figures = await loop.run_in_executor(browser_thread, read_overview, browser_run)
        done = [t for t in times if t is not None]
        for ws in (*screens, follower):
            await ws.close()
        return {
            "hosts": args.hosts,
            "screens": args.screens,
            "screens_with_every_alert": len(done),
            "all_alerts_on_a_screen_median_s": round(statistics.median(done), 2) if done else None,
            "all_alerts_on_the_slowest_screen_s": round(max(done), 2) if done else None,
            "agent_samples_per_s_before": round(before_rate, 2),
            "agent_samples_per_s_during": round(during_rate, 2),
            "browser": page_figures,
            "tracebacks_in_log": launched.log().count("Traceback"),
        }
    finally:
        if browser_run is not None:
            await loop.run_in_executor(browser_thread, close_overview, browser_run)
        if simulator is not None:
            simulator.terminate()
            simulator.wait(20)
        launched.stop()


def open_overview(executable: str, base_url: str):
    from playwright.sync_api import sync_playwright

    manager = sync_playwright()
    playwright = manager.start()
    browser = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.add_init_script(FRAME_SPY)
    page.goto(base_url + "/")
    page.fill("input[name=username]", "admin")  # make run's account
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_function("() => window.monitorAlerts && window.monitorAlerts.synced()")
    # The same page's frames before the storm, for comparison.
    page.evaluate("window.__gaps = []")
    time.sleep(5)
    quiet = sorted(page.evaluate("window.__gaps"))
    page.evaluate("window.__gaps = []")
    page.quiet_gaps = quiet
    return manager, playwright, browser, page


def read_overview(run) -> dict:
    page = run[3]
    time.sleep(3)
    gaps = sorted(page.evaluate("window.__gaps"))
    return {
        "active_alerts": page.evaluate("window.monitorAlerts.active().length"),
        "toasts_in_dom": page.evaluate("document.querySelectorAll('.toast').length"),
        "toasts_visible": page.evaluate(
            "[...document.querySelectorAll('.toast')].filter(t => !t.hidden).length"
        ),
        "more_line": page.evaluate("document.querySelector('.toast-more')?.textContent ?? null"),
        "quiet_frame_gap_p50_ms": round(page.quiet_gaps[len(page.quiet_gaps) // 2], 1),
        "quiet_frame_gap_max_ms": round(page.quiet_gaps[-1], 1),
        "frames": len(gaps),
        "frame_gap_p50_ms": round(gaps[len(gaps) // 2], 1) if gaps else None,
        "frame_gap_max_ms": round(gaps[-1], 1) if gaps else None,
    }


def close_overview(run) -> None:
    manager, _, browser, _ = run
    browser.close()
    manager.__exit__(None, None, None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--screens", type=int, default=50)
    parser.add_argument("--wait", type=float, default=60)
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(json.dumps(result, indent=2))
    out = Path(__file__).parent / "results" / "alert-storm.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
