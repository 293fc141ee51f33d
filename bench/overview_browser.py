"""Renderer cost of the fleet overview in headless Chromium with N simulated hosts at 1 Hz.

    .venv/bin/python -m bench.overview_browser --hosts 200 --seconds 60

Starts a private stack (Redis, web, evaluator, beat, the fleet simulator), signs in, waits until
every tile is on screen, then measures over ``--seconds``: CPU of Chromium's renderer processes
(all threads, from /proc via psutil), main-thread task time from the DevTools Protocol
(Performance.getMetrics TaskDuration/ScriptDuration), JS heap at the start and the end, and layouts.
"""

import argparse
import contextlib
import json
import sys
import tempfile
import time
from pathlib import Path

import psutil
from playwright.sync_api import sync_playwright

from tests.browser.conftest import LAUNCH_ARGS, chromium_executable
from tests.live.stack import PASSWORD, USERNAME, Stack
from tests.services import TestRedis, unique_prefix


def renderer_cpu_seconds(browser_pid: int) -> float:
    total = 0.0
    for child in psutil.Process(browser_pid).children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if "--type=renderer" in " ".join(child.cmdline()):
                times = child.cpu_times()
                total += times.user + times.system
    return total


def browser_pid() -> int:
    for process in psutil.process_iter(["name", "cmdline", "ppid"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if (
            "chromium" in (process.info["name"] or "")
            and "--type=" not in cmdline
            and "--headless" in cmdline
        ):
            return process.pid
    raise RuntimeError("no headless chromium found")


def metrics(cdp) -> dict[str, float]:
    return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}


def measure(hosts: int, seconds: float) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="bench-overview-"))
    redis_service = TestRedis(workdir)
    stack = Stack(workdir, redis_service.url, unique_prefix())
    stack.prepare()
    stack.start_central()
    stack.start("simulator", "simulate_hosts", str(hosts), "--prefix", "sim")
    try:
        stack.wait_healthy(hosts_up=hosts, timeout=120)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_executable(), args=LAUNCH_ARGS
            )
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(stack.base_url + "/")
            page.fill("input[name=username]", USERNAME)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_function(
                f"() => window.monitor && window.monitor.tileCount() === {hosts}", timeout=60000
            )
            page.wait_for_timeout(5000)  # backfill drawn, steady state
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            pid = browser_pid()
            start, start_cpu, start_wall = metrics(cdp), renderer_cpu_seconds(pid), time.monotonic()
            heap = [start["JSHeapUsedSize"]]
            while time.monotonic() - start_wall < seconds:
                page.wait_for_timeout(
                    min(10000, max(100, (seconds - (time.monotonic() - start_wall)) * 1000))
                )
                heap.append(metrics(cdp)["JSHeapUsedSize"])
            end, end_cpu, wall = (
                metrics(cdp),
                renderer_cpu_seconds(pid),
                time.monotonic() - start_wall,
            )
            result = {
                "hosts": hosts,
                "seconds": round(wall, 1),
                "renderer_cpu_percent_of_one_core": round(100 * (end_cpu - start_cpu) / wall, 1),
                "main_thread_task_percent": round(
                    100 * (end["TaskDuration"] - start["TaskDuration"]) / wall, 1
                ),
                "script_percent": round(
                    100 * (end["ScriptDuration"] - start["ScriptDuration"]) / wall, 1
                ),
                "layouts_per_s": round((end["LayoutCount"] - start["LayoutCount"]) / wall, 2),
                "js_heap_start_mb": round(heap[0] / 2**20, 1),
                "js_heap_end_mb": round(heap[-1] / 2**20, 1),
                "js_heap_max_mb": round(max(heap) / 2**20, 1),
                "tiles_on_screen": page.evaluate("document.querySelectorAll('.tile').length"),
                "pages": page.evaluate("window.monitor.pages()"),
            }
            browser.close()
        return result
    finally:
        stack.stop_all()
        redis_service.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    print(json.dumps(measure(args.hosts, args.seconds), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
