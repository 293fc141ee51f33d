"""A kiosk playlist soak: three dashboards in turn, N simulated hosts at 1 Hz, headless Chromium.

    .venv/bin/python -m bench.kiosk_soak --hosts 200 --minutes 60 --seconds-per-board 20
    .venv/bin/python -m bench.kiosk_soak --hosts 200 --minutes 10 --seconds-per-board 1

Starts a private stack (Redis, web, evaluator, notifier, beat, the fleet simulator), imports three
dashboards, a playlist and one always-firing rule, opens the playlist's kiosk URL in Chromium and
samples the page every few turns (about every 30 s; 10 s for short runs), the same time after a
turn and never a multiple of three turns apart, so each dashboard is sampled in turn: JS heap
after a forced GC, DOM nodes (every live one, so detached leftovers count), elements in the
document, event listeners, renderer CPU, sockets opened, navigations, turns, samples received.

Flat: for each dashboard, the median of the last quarter of its samples after the warm-up is
within 10 % of its first quarter's for heap, nodes and listeners; one socket, no reconnect, no
reload. bench/results/kiosk-soak-<variant>.json is rewritten after every sample (``complete``
false until the end), so a run cut short leaves its figures.
"""

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from playwright.sync_api import sync_playwright

from tests.browser.conftest import LAUNCH_ARGS, chromium_executable
from tests.live.stack import Stack
from tests.services import TestRedis, unique_prefix

RESULTS_DIR = Path(__file__).parent / "results"
FLAT_PERCENT = 10.0
# what must stay flat, and what is only shown beside it
FLAT = ("js_heap_mb", "dom_nodes", "js_listeners")
PER_BOARD = (*FLAT, "document_elements")
OVER_TIME = ("renderer_cpu_percent", "samples_per_s")
BOARDS = 3
CHART_HOSTS = 10
PLAYLIST = "soak"


def panel(panel_id: str, kind: str, x: int, y: int, w: int, h: int, **options) -> dict:
    return {"id": panel_id, "type": kind, "x": x, "y": y, "w": w, "h": h, **options}


def boards(hosts: int, seconds: int) -> dict:
    """The three dashboards of tests/browser/test_playlist.py, sized for ``hosts`` hosts."""
    width = max(3, len(str(hosts)))
    named = [f"sim-{n:0{width}d}" for n in range(1, min(CHART_HOSTS, hosts) + 1)]
    first = named[0]
    layouts = {
        "soak-hosts": [
            panel("grid", "hosts", 0, 0, 9, 4),
            panel("clock", "clock", 9, 0, 3, 2, tz="UTC"),
            panel("count", "status", 9, 2, 3, 2),
        ],
        "soak-cpu": [
            panel("cpu", "chart", 0, 0, 8, 4, metric="cpu.percent", hosts=named, window_s=120),
            panel("now", "stat", 8, 0, 4, 2, metric="cpu.percent", host=first),
            panel("card", "host", 8, 2, 4, 2, host=first),
        ],
        "soak-notes": [
            panel("note", "text", 0, 0, 6, 2, markdown="# On call\n- **Alice** until 18:00"),
            panel("alerts", "alerts", 6, 0, 6, 4, severity="warning"),
        ],
    }
    return {
        "dashboards": [
            {"slug": slug, "title": slug, "layout": {"schema": 1, "panels": panels}}
            for slug, panels in layouts.items()
        ],
        # not held on a critical alert: the simulator's hosts may fire, and the soak must turn
        "playlists": [
            {
                "name": PLAYLIST,
                "pause_on_critical": False,
                "entries": [{"dashboard": slug, "seconds": seconds} for slug in layouts],
            }
        ],
    }


def rules(hosts: int) -> dict:
    """In place of the defaults: one warning always firing on the first five hosts, so the alerts
    panel, the badge and the toasts have a fixed list (with the defaults the list grows as
    simulated hosts cross them, and the notes dashboard's nodes with it)."""
    width = max(3, len(str(hosts)))
    named = [f"sim-{n:0{width}d}" for n in range(1, min(5, hosts) + 1)]
    always = {"name": "soak-always", "metric": "cpu.percent", "hosts": named, "op": ">=",
              "warning": 0, "for": "0s", "summary": "CPU {value}% on {host}"}  # fmt: skip
    return {"rules": [always]}


def renderer_cpu_seconds() -> float:
    """CPU seconds of this process's own Chromium renderers (never another run's browser)."""
    total = 0.0
    for child in psutil.Process(os.getpid()).children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if "--type=renderer" in " ".join(child.cmdline()):
                times = child.cpu_times()
                total += times.user + times.system
    return total


def watch(page) -> dict:
    """Every socket the page opens, those closed, main-frame navigations and page errors."""
    seen = {"sockets": [], "closed": 0, "navigations": 0, "errors": []}

    def opened(ws) -> None:
        seen["sockets"].append(ws.url)
        ws.on("close", lambda _ws: seen.__setitem__("closed", seen["closed"] + 1))

    def navigated(frame) -> None:
        if frame == page.main_frame:
            seen["navigations"] += 1

    page.on("websocket", opened)
    page.on("framenavigated", navigated)
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    return seen


PAGE_FIGURES = """() => ({
    board: window.monitor.board(),
    turns: window.monitor.turns(),
    state: window.monitor.state(),
    stream: {...window.monitor.streamStats},
    tiles: window.monitor.tileCount(),
    document_elements: document.getElementsByTagName('*').length,
    alerts: window.monitorAlerts.active().length,
    toasts: document.querySelectorAll('.toast').length,
})"""


def wait_turns(page, turns: int, seconds_per_board: int) -> int:
    """Until the playlist has turned ``turns`` more times; the count so far."""
    target = page.evaluate("window.monitor.turns()") + turns
    page.wait_for_function(
        f"() => window.monitor.turns() >= {target}",
        polling=50,
        timeout=turns * (2 * seconds_per_board + 10) * 1000,
    )
    return target


def turns_per_sample(page, seconds_per_board: int, sample_every: float) -> tuple[int, float]:
    """How many turns make about ``sample_every`` s, never a multiple of the playlist's length
    (or every sample would land on the same dashboard), and the seconds a turn took."""
    wait_turns(page, 1, seconds_per_board)
    began = time.monotonic()
    wait_turns(page, BOARDS, seconds_per_board)
    period = (time.monotonic() - began) / BOARDS
    turns = max(1, round(sample_every / period))
    return (turns + 1 if turns % BOARDS == 0 else turns), period


def take_sample(page, cdp, seen: dict, t: float, cpu: float) -> dict:
    cdp.send("HeapProfiler.collectGarbage")
    figures = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    on_page = page.evaluate(PAGE_FIGURES)
    return {
        "t_s": round(t, 1),
        "js_heap_mb": round(figures["JSHeapUsedSize"] / 2**20, 3),
        "js_heap_total_mb": round(figures["JSHeapTotalSize"] / 2**20, 3),
        "dom_nodes": int(figures["Nodes"]),
        "document_elements": on_page["document_elements"],
        "js_listeners": int(figures["JSEventListeners"]),
        "documents": int(figures["Documents"]),
        "renderer_cpu_s": round(cpu, 2),
        "sockets_opened": len(seen["sockets"]),
        "sockets_closed": seen["closed"],
        "navigations": seen["navigations"],
        "page_errors": len(seen["errors"]),
        "turns": on_page["turns"],
        "board": on_page["board"],
        "state": on_page["state"],
        "tiles": on_page["tiles"],
        "alerts": on_page["alerts"],
        "toasts": on_page["toasts"],
        "samples": on_page["stream"]["samples"],
        "resets": on_page["stream"]["resets"],
        "gaps": on_page["stream"]["gaps"],
    }


def add_rates(before: dict, after: dict) -> None:
    """Renderer CPU (% of one core) and samples per second since the sample before."""
    dt = after["t_s"] - before["t_s"]
    after["renderer_cpu_percent"] = round(
        100 * (after["renderer_cpu_s"] - before["renderer_cpu_s"]) / dt, 1
    )
    after["samples_per_s"] = round((after["samples"] - before["samples"]) / dt, 1)


def quarters(values: list[float]) -> dict:
    quarter = max(1, len(values) // 4)
    a = statistics.median(values[:quarter])
    b = statistics.median(values[-quarter:])
    change = 100 * (b - a) / a if a else 0.0
    return {"first": a, "last": b, "change_percent": round(change, 1), "n": len(values)}


def verdict(samples: list[dict], warmup_s: float) -> dict:
    """First and last quarter medians after the warm-up, per dashboard for what the dashboard on
    screen changes (a hosts grid has ten times the nodes of a note), and whether it stayed flat."""
    kept = [s for s in samples if s["t_s"] >= warmup_s and "renderer_cpu_percent" in s]
    by_board: dict[str, list[dict]] = {}
    for s in kept:
        by_board.setdefault(s["board"], []).append(s)
    figures = {
        name: {board: quarters([s[name] for s in rows]) for board, rows in sorted(by_board.items())}
        for name in PER_BOARD
    }
    figures |= {name: {"all": quarters([s[name] for s in kept])} for name in OVER_TIME}
    end = samples[-1]
    checks = {
        name: all(abs(f["change_percent"]) <= FLAT_PERCENT for f in figures[name].values())
        for name in FLAT
    }
    checks["one_socket"] = end["sockets_opened"] == 1
    checks["no_reconnect"] = end["sockets_opened"] - 1 == 0 and end["sockets_closed"] == 0
    checks["no_reload"] = end["navigations"] == 1  # the first load only
    checks["turned"] = end["turns"] > 0
    warnings = [f"{end[k]} {k}" for k in ("resets", "gaps", "page_errors") if end[k]]
    if end["state"] != "live":
        warnings.append(f"socket state at the end: {end['state']}")
    if len(by_board) < BOARDS or min(len(rows) for rows in by_board.values()) < 4:
        warnings.append(f"few samples per dashboard: { {b: len(r) for b, r in by_board.items()} }")
    return {
        "warmup_s": warmup_s,
        "samples_kept": len(kept),
        "figures": figures,
        "checks": checks,
        "flat": all(checks.values()),
        "warnings": warnings,
        "seconds_per_turn": round(end["t_s"] / end["turns"], 2) if end["turns"] else None,
    }


def markdown(result: dict) -> str:
    v, end = result["verdict"], result["samples"][-1]
    lines = [
        f"`{result['command']}`",
        "",
        f"{result['hosts']} hosts, {result['seconds_per_board']} s a board, "
        f"{end['t_s'] / 60:.1f} min; a sample every {result['turns_per_sample']} turns (a turn "
        f"took {result['seconds_per_turn_measured']:g} s), {result['settle_s']:g} s after the "
        f"turn; warm-up {v['warmup_s']:g} s, then {v['samples_kept']} samples; medians of each "
        "dashboard's first and last quarter",
        "",
        "| figure | dashboard | samples | first quarter | last quarter | change | flat (±10 %) |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for name, boards_ in v["figures"].items():
        for board, f in boards_.items():
            ok = abs(f["change_percent"]) <= FLAT_PERCENT
            flat = ("yes" if ok else "**no**") if name in FLAT else "(shown)"
            lines.append(
                f"| {name} | {board} | {f['n']} | {f['first']:g} | {f['last']:g} "
                f"| {f['change_percent']:+.1f} % | {flat} |"
            )
    failed = [k for k, ok in v["checks"].items() if not ok]
    lines += [
        "",
        f"sockets opened {end['sockets_opened']}, closed {end['sockets_closed']}, "
        f"navigations {end['navigations']} (the first load), turns {end['turns']} "
        f"(one every {v['seconds_per_turn']} s), samples {end['samples']}, resets {end['resets']}, "
        f"gaps {end['gaps']}, page errors {end['page_errors']}",
        "",
        f"verdict: {'FLAT' if v['flat'] else 'NOT FLAT (' + ', '.join(failed) + ')'}"
        + (f"; warnings: {'; '.join(v['warnings'])}" if v["warnings"] else ""),
    ]
    return "\n".join(lines)


def code_measured() -> dict:
    """The commit, and the front-end files that differ from it (the tree is shared and edited)."""
    git = ["git", "-C", str(Path(__file__).parents[1])]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    changed = subprocess.run(
        [*git, "status", "--porcelain", "--", "frontend/static/js"], capture_output=True, text=True
    )
    return {"commit": head.stdout.strip(), "js_changed": changed.stdout.split("\n")[:-1]}


def run(args: argparse.Namespace, out: Path) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="bench-kiosk-soak-"))
    redis_service = TestRedis(workdir)
    stack = Stack(workdir, redis_service.url, unique_prefix())
    result = {
        "command": "python -m bench.kiosk_soak " + " ".join(sys.argv[1:]),
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "hosts": args.hosts,
        "minutes": args.minutes,
        "seconds_per_board": args.seconds_per_board,
        "sample_every_s": args.sample_every,
        "warmup_s": args.warmup,
        "settle_s": args.settle,
        "workdir": str(workdir),
        "code": code_measured(),
        "complete": False,
        "samples": [],
    }
    try:
        stack.prepare()
        (workdir / "boards.json").write_text(json.dumps(boards(args.hosts, args.seconds_per_board)))
        stack.manage("dashboards", "import", str(workdir / "boards.json"))
        (workdir / "rules.json").write_text(json.dumps(rules(args.hosts)))
        stack.manage("alerts", "import", str(workdir / "rules.json"), "--prune")
        url = stack.manage("kiosk", "create", "--playlist", PLAYLIST, "--name", "soak")
        url = url.strip().splitlines()[-1]
        stack.start_central()
        stack.start("simulator", "simulate_hosts", str(args.hosts), "--prefix", "sim")
        stack.wait_healthy(hosts_up=args.hosts, timeout=120)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_executable(), args=LAUNCH_ARGS
            )
            page = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
            seen = watch(page)
            page.goto(url)
            page.wait_for_function("() => window.monitor && window.monitor.state() === 'live'")
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            start = time.monotonic()
            result["samples"].append(take_sample(page, cdp, seen, 0.0, renderer_cpu_seconds()))
            print(json.dumps(result["samples"][0]), flush=True)
            turns, period = turns_per_sample(page, args.seconds_per_board, args.sample_every)
            result |= {"turns_per_sample": turns, "seconds_per_turn_measured": round(period, 2)}
            while time.monotonic() - start < args.minutes * 60:
                wait_turns(page, turns, args.seconds_per_board)
                page.wait_for_timeout(args.settle * 1000)
                t = time.monotonic() - start
                s = take_sample(page, cdp, seen, t, renderer_cpu_seconds())
                add_rates(result["samples"][-1], s)
                result["samples"].append(s)
                print(json.dumps(s), flush=True)
                out.write_text(json.dumps(result, indent=2) + "\n")
            result["errors"] = seen["errors"][:20]
            browser.close()
    finally:
        stack.stop_all()
        redis_service.stop()
    result["verdict"] = verdict(result["samples"], args.warmup)
    result["complete"] = True
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--seconds-per-board", type=int, default=20, help="1 to 3600")
    parser.add_argument("--sample-every", type=float, help="seconds (default 30; 10 if short)")
    parser.add_argument("--warmup", type=float, help="seconds left out (120; 60 under 10 min)")
    parser.add_argument("--variant", help="results file name part (default <minutes>m-<seconds>s)")
    args = parser.parse_args()
    short = args.minutes <= 10 or args.seconds_per_board <= 1
    args.sample_every = args.sample_every or (10 if short else 30)
    # two minutes: the sparkline rings and the chart's 120 s window fill, and the warning toasts
    # (a minute each, the fifth queued behind four) are gone; one minute for a smoke run
    args.warmup = args.warmup if args.warmup is not None else (60 if args.minutes < 10 else 120)
    args.settle = min(5.0, args.seconds_per_board / 2)
    variant = args.variant or f"{args.minutes:g}m-{args.seconds_per_board}s"
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"kiosk-soak-{variant}.json"
    result = run(args, out)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(markdown(result))
    v = result["verdict"]
    summary = {"variant": variant, "flat": v["flat"], "checks": v["checks"]}
    summary |= {
        f"{name} {board}": f["change_percent"]
        for name, boards_ in v["figures"].items()
        for board, f in boards_.items()
    }
    print(json.dumps(summary))
    print(f"written to {out}")
    return 0 if v["flat"] else 1


if __name__ == "__main__":
    sys.exit(main())
