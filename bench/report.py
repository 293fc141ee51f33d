"""Markdown and JSON of a bench run: every figure of textbook and product also as a ratio to bare.

The tables are meant to be pasted into docs/benchmarks.md as they are.
"""

import math

# (result key, column title, shown as a ratio to bare too)
DELIVERY_COLUMNS = (
    ("frames_per_s", "frames/s", False),
    ("cpu_us_per_frame", "CPU µs/frame", True),
    ("cpu_us_per_sample", "CPU µs/sample", True),
    ("age_p50_ms", "age p50 ms", True),
    ("age_p99_ms", "age p99 ms", True),
    ("age_max_ms", "age max ms", True),
    ("frames_per_tick_overview", "frames/tick overview", True),
    ("frames_per_tick_host", "frames/tick host page", True),
    ("delivered_percent", "delivered %", True),
)
RESOURCE_COLUMNS = (
    ("server_cpu_percent", "server CPU %", True),
    ("rss_idle_kib_per_conn", "RSS KiB/idle conn", True),
    ("rss_streaming_kib_per_conn", "RSS KiB/conn streaming", True),
    ("redis_cpu_percent", "Redis CPU %", True),
    ("publisher_ms_per_tick", "publisher CPU ms/tick", True),
    ("client_cpu_percent", "client CPU %", False),
    ("drops", "gaps/dups/failed/closed", False),
)
LEGEND = """\
- **N** screens (WebSocket connections) from one client process; **H** simulated hosts publishing
  one sample each per tick (1 s) through the product's publisher (`manage.py simulate_hosts`).
- **CPU µs/frame**, **/sample**: CPU time of the server process (user + system, with children)
  over the window, divided by the frames (samples) all screens received in it.
- **age**: receipt time at the client minus the sample's `ts` (when it was read), over every live
  sample received in the window; same clock on both ends.
- **frames/tick**: frames one screen received per publisher tick (overview screens follow every
  host; host pages one host); a server that coalesces a tick's samples sends fewer, larger
  frames, so compare such servers per sample. **delivered %**: of the samples read during the
  window on the hosts the screens follow, those received by 1 s after it (below 100 when the
  server falls behind). Both count by the samples' `ts`, against the publisher's ticks read in
  the window.
- **RSS KiB/idle conn**: server RSS growth from before connecting to N connected, unsubscribed
  screens, per screen; **streaming**: the same at the end of the window.
- **Redis CPU %**, **publisher CPU ms/tick**, **client CPU %**: that process over the window
  (% of one core). **gaps/dups/failed/closed**: `seq` gaps and duplicates seen by screens,
  screens that could not connect or subscribe, screens the server closed.
- **(nx)**: the figure divided by the bare `websockets` server's in the same N and H."""


def fmt(value: float | None) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    size = abs(value)
    if size >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}" if size >= 1 else f"{value:.2f}"


def ratio(value: float | None, limit: float | None) -> float | None:
    if value is None or limit is None or not limit or not math.isfinite(limit):
        return None
    if not math.isfinite(value):
        return None
    return value / limit


def fmt_ratio(value: float | None) -> str:
    if value is None:
        return ""
    if value >= 10:
        return f" ({value:.0f}x)"
    return f" ({value:.1f}x)" if value >= 0.1 else f" ({value:.2f}x)"


def add_ratios(results: list[dict]) -> None:
    """Give each textbook/product result ``ratios``: figure / bare's figure in the same N, H."""
    bare = {(r["clients"], r["hosts"]): r for r in results if r["server"] == "bare"}
    for result in results:
        limit = bare.get((result["clients"], result["hosts"]))
        result["ratios"] = {}
        if limit is None or result["server"] == "bare":
            continue
        for key, _, with_ratio in DELIVERY_COLUMNS + RESOURCE_COLUMNS:
            if with_ratio:
                result["ratios"][key] = ratio(result.get(key), limit.get(key))


def _cell(result: dict, key: str, with_ratio: bool) -> str:
    if key == "drops":
        return "/".join(str(result[k]) for k in ("gaps", "duplicates", "failed", "closed"))
    text = fmt(result.get(key))
    if with_ratio:
        text += fmt_ratio(result.get("ratios", {}).get(key))
    return text


def table(results: list[dict], columns: tuple) -> str:
    titles = ["N", "H", "server", *(title for _, title, _ in columns)]
    lines = [
        "| " + " | ".join(titles) + " |",
        "|" + "|".join(["---:", "---:", "---", *("---:" for _ in columns)]) + "|",
    ]
    for result in results:
        cells = [
            str(result["clients"]), str(result["hosts"]), result["server"],
            *(_cell(result, key, with_ratio) for key, _, with_ratio in columns),
        ]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def markdown(run: dict) -> str:
    results = run["results"]
    config = run["config"]
    share = config["overview_share"]
    out = [
        "# Streaming fan-out benchmark",
        "",
        f"Command: `{run['command']}`",
        "",
        f"- When: {run['started']} ({run['duration_s']:.0f} s in all)",
        f"- Machine: {run['machine']}",
        f"- Versions: {run['versions']}",
        f'- Screens: {share:.0%} overview (`"*"`, summary view), {1 - share:.0%} host pages (one '
        f"host, full view), no backfill; {config['warmup_s']:g} s warm-up, then a "
        f"{config['window_s']:g} s window per run; servers run one at a time, each fresh.",
        "",
        "## Fan-out cost and latency",
        "",
        table(results, DELIVERY_COLUMNS),
        "",
        "## Resources and losses",
        "",
        table(results, RESOURCE_COLUMNS),
        "",
        LEGEND,
    ]
    if run.get("browser"):
        out += ["", browser_table(run["browser"])]
    warnings = [
        f"- N={r['clients']} H={r['hosts']} {r['server']}: {w}"
        for r in results
        for w in r.get("warnings", [])
    ]
    if warnings:
        out += ["", "## Warnings", "", *warnings]
    return "\n".join(out) + "\n"


def browser_table(browser: dict) -> str:
    """bench/overview_browser.py's figures as the table docs/benchmarks.md keeps."""
    return "\n".join(
        [
            f"## Browser: the overview in headless Chromium, {browser['hosts']} hosts at 1 Hz, "
            f"{browser['seconds']:g} s",
            "",
            "| renderer CPU (all threads, % of one core) | main-thread tasks % | script % "
            "| layouts/s | JS heap start → end (max) MB |",
            "|---:|---:|---:|---:|---|",
            f"| {browser['renderer_cpu_percent_of_one_core']} "
            f"| {browser['main_thread_task_percent']} | {browser['script_percent']} "
            f"| {browser['layouts_per_s']} | {browser['js_heap_start_mb']} → "
            f"{browser['js_heap_end_mb']} ({browser['js_heap_max_mb']}) |",
        ]
    )
