"""The host page's time to first chart, live and over a 24 h range, in headless Chromium.

    .venv/bin/python -m bench.host_history --loads 10

Starts a private stack (Redis, web, evaluator, notifier, beat, one simulated host at 1 Hz),
writes 24 hours of that host's minute rows (the shapes of its own first minute, through the
writer's upsert), signs in, and opens `/hosts/sim-001/` ``--loads`` times for each range in
turn, side by side: the time from navigation start (the page's own clock) to the moment every
chart is drawn with what the range needs: for `5 min`, the CPU chart's first point from the
stream's backfill; for `24 h`, every chart's series answered and drawn. Medians and ratios of
the same run; results in bench/results/host-history.json.
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser.conftest import LAUNCH_ARGS, chromium_executable
from tests.live.stack import Stack, wait_until
from tests.services import TestRedis, unique_prefix

HOST = "sim-001"
CHARTS = ("cpu", "mem", "load", "disk", "net")
RESULTS = Path(__file__).parent / "results" / "host-history.json"

# 24 hours of minute rows ending at the last whole minute, made from the host's first stored
# minute row (the writer's own), so the rows are the real shape and size.
FILL_DAY = """
import time
from dashboards.history.models import Rollup
from dashboards.history.rollups import RollupRow
from dashboards.history.rows import decoded
from dashboards.history.writer import upsert
first = Rollup.objects.filter(host="{host}", tier="1m").order_by("start")[:1]
[(host, model)] = list(decoded(first))
end = int(time.time()) // 60 * 60 - 120
rows = [("{host}", RollupRow(start, model.count, model.values))
        for start in range(end - 86400, end, 60)]
print(upsert("1m", rows))
"""

# When every chart shows what its range needs, on the page's clock (ms from navigation start).
READY = {
    "5m": "() => window.monitor && window.monitor.pointCount('sim-001', 'cpu') > 0",
    "24h": """() => window.monitor && window.monitor.range && !window.monitor.range().loading
        && ['cpu', 'mem', 'load', 'disk', 'net'].every((c) => {
          const info = window.monitor.history(c);
          return info && info.fetched > 0 && window.monitor.pointCount('sim-001', c) > 0;
        })""",
}


def time_to_chart(page, stack: Stack, range_key: str) -> dict:
    query = "" if range_key == "5m" else f"?range={range_key}"
    page.goto(f"{stack.base_url}/hosts/{HOST}/{query}")
    page.wait_for_function(READY[range_key], polling="raf", timeout=60000)
    ready_ms = page.evaluate("performance.now()")
    figures = {"range": range_key, "first_chart_ms": round(ready_ms, 1)}
    if range_key != "5m":
        figures["points"] = page.evaluate("window.monitor.history('cpu').fetched")
        figures["tier"] = page.evaluate("window.monitor.history('cpu').tier")
        timing = page.evaluate(
            """() => performance.getEntriesByType('resource')
                .filter((e) => e.name.includes('/series?'))
                .map((e) => e.responseEnd - e.startTime)"""
        )
        figures["series_requests"] = len(timing)
        figures["slowest_series_ms"] = round(max(timing), 1) if timing else None
    return figures


def run(loads: int) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="bench-host-history-"))
    redis_service = TestRedis(workdir)
    stack = Stack(workdir, redis_service.url, unique_prefix())
    result = {
        "command": "python -m bench.host_history " + " ".join(sys.argv[1:]),
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "loads": loads,
    }
    try:
        stack.prepare()
        stack.start_central()
        stack.start("simulator", "simulate_hosts", "1", "--prefix", "sim")
        stack.wait_healthy(hosts_up=1, timeout=120)
        # the first minute row, written by the scheduled task
        wait_until(
            lambda: "1" in stack.shell(
                "from dashboards.history.models import Rollup; "
                f"print(min(1, Rollup.objects.filter(host='{HOST}', tier='1m').count()))"
            ),
            timeout=150, what="a minute row", step=5,
        )  # fmt: skip
        result["rows_written"] = int(stack.shell(FILL_DAY.format(host=HOST)).split()[-1])
        runs: dict[str, list[dict]] = {"5m": [], "24h": []}
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_executable(), args=LAUNCH_ARGS
            )
            page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
            stack.sign_in(page)
            for key in runs:  # a load of each first: the browser's cache holds the scripts
                time_to_chart(page, stack, key)
            for _ in range(loads):
                for key in runs:
                    runs[key].append(time_to_chart(page, stack, key))
                    print(json.dumps(runs[key][-1]), flush=True)
            browser.close()
    finally:
        stack.stop_all()
        redis_service.stop()
    medians = {key: statistics.median(r["first_chart_ms"] for r in rs) for key, rs in runs.items()}
    result |= {
        "runs": runs,
        "median_first_chart_ms": medians,
        "ratio_24h_to_5m": round(medians["24h"] / medians["5m"], 2),
        "median_slowest_series_ms": statistics.median(r["slowest_series_ms"] for r in runs["24h"]),
        "points_24h": runs["24h"][-1]["points"],
        "tier_24h": runs["24h"][-1]["tier"],
    }
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=10)
    args = parser.parse_args()
    result = run(args.loads)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    summary = {k: result[k] for k in ("median_first_chart_ms", "ratio_24h_to_5m",
               "median_slowest_series_ms", "points_24h", "tier_24h", "rows_written")}  # fmt: skip
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
