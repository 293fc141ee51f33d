"""The streaming benchmark: the product's fan-out next to textbook Channels and bare websockets.

    make bench         # .venv/bin/python -m bench.run --preset bench   (under 10 minutes)
    make bench-full    # .venv/bin/python -m bench.run --preset full
    make bench-smoke   # .venv/bin/python -m bench.run --preset smoke   (30 s, checks the harness)

One private redis-server and database for the whole run. For each H, the fleet simulator publishes
H hosts through the product's publisher; for each N, each server (product, textbook, bare; the
full preset adds product2 and uvicorn) is started fresh on its own port, N screens connect (idle
RSS is read), subscribe, warm up, and are measured over a fixed window (bench/one_run.py). Then,
in the bench and full presets, headless Chromium shows the overview of 200 simulated hosts
(bench/overview_browser.py). Results: a Markdown summary printed at the end and written with a
JSON file to bench/results/<timestamp>.{md,json}.
"""

import argparse
import contextlib
import json
import math
import os
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

import redis

from agent.simulator import simulated_names
from bench import report
from bench.loadclient import JSON_LIBRARY, raise_fd_limit
from bench.measure import machine_description
from bench.one_run import Context, py_spy_path, run_one
from bench.servers import SERVERS, stop_process
from core.redis_keys import RedisKeys
from runner.embedded_redis import start_embedded_redis
from tests.live.stack import ROOT, Stack

RESULTS_DIR = ROOT / "bench" / "results"
PRESETS = {
    # 3 servers x 1 scenario in about 30 s: proves the harness, measures nothing worth keeping.
    "smoke": {
        "clients": [6],
        "hosts": [3],
        "window": 3.0,
        "warmup": 1.5,
        "overview_share": 1 / 3,
        "servers": "product,textbook,bare",
        "browser_s": 0,
        "soak_minutes": 0,
    },
    # 18 runs of about 25 s and a minute of the browser: under 10 minutes on the 2-core machine.
    # (The 10-minute browser run is `make bench-browser`: it alone would fill this budget.)
    "bench": {
        "clients": [200, 1000],
        "hosts": [1, 50, 200],
        "window": 15.0,
        "warmup": 3.0,
        "servers": "product,textbook,bare",
        "browser_s": 60,
        "soak_minutes": 3,  # the sped-up soak; make bench-soak runs the hour
    },
    # Adds two Daphne processes on one port and the product under Uvicorn.
    "full": {
        "clients": [200, 1000, 2000],
        "hosts": [1, 50, 200],
        "window": 30.0,
        "warmup": 5.0,
        "servers": "product,product2,uvicorn,textbook,bare",
        "browser_s": 3600,
        "soak_minutes": 60,
    },
}
MAX_CLIENTS = 5000
MAX_HOSTS = 1000
MAX_WINDOW_S = 600


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="bench")
    parser.add_argument("--servers", help=f"comma-separated, of {SERVERS} (overrides the preset)")
    parser.add_argument("--clients", help="comma-separated N values (overrides the preset)")
    parser.add_argument("--hosts", help="comma-separated H values (overrides the preset)")
    parser.add_argument("--window", type=float, help="seconds measured per run")
    parser.add_argument(
        "--browser-seconds", type=float, help="seconds of the overview in Chromium (0: none)"
    )
    parser.add_argument(
        "--soak-minutes", type=float, help="minutes of the soak (bench/soak.py) after; 0: none"
    )
    parser.add_argument("--warmup", type=float, help="seconds between subscribing and measuring")
    parser.add_argument(
        "--overview-share", type=float, default=None,
        help='share of screens that are overviews ("*", summary view); default 0.05',
    )  # fmt: skip
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument(
        "--check", action=argparse.BooleanOptionalAction, default=None,
        help="fail unless the harness saw a clean run (default: on for the smoke preset)",
    )  # fmt: skip
    parser.add_argument(
        "--profile", choices=("flamegraph", "raw", "speedscope"), default=None,
        help="py-spy profile of the textbook and product servers over each window, in this format",
    )  # fmt: skip
    args = parser.parse_args(argv)
    preset = PRESETS[args.preset]
    args.clients = _ints(args.clients) if args.clients else preset["clients"]
    args.hosts = _ints(args.hosts) if args.hosts else preset["hosts"]
    args.window = args.window or preset["window"]
    if args.browser_seconds is None:
        args.browser_seconds = preset["browser_s"]
    if args.soak_minutes is None:
        # Only the presets soak; a run narrowed to some servers or sizes measures just those.
        narrowed = args.servers or args.clients != preset["clients"]
        args.soak_minutes = 0 if narrowed else preset["soak_minutes"]
    args.warmup = preset["warmup"] if args.warmup is None else args.warmup
    if args.overview_share is None:
        args.overview_share = preset.get("overview_share", 0.05)
    args.check = args.preset == "smoke" if args.check is None else args.check
    args.servers = [s for s in (args.servers or preset["servers"]).split(",") if s]
    # Bounded by construction: the bench never runs away on a shared machine.
    if unknown := set(args.servers) - set(SERVERS):
        parser.error(f"unknown servers: {sorted(unknown)}")
    if not all(1 <= n <= MAX_CLIENTS for n in args.clients):
        parser.error(f"clients must be 1-{MAX_CLIENTS}")
    if not all(1 <= h <= MAX_HOSTS for h in args.hosts):
        parser.error(f"hosts must be 1-{MAX_HOSTS}")
    if not 0 < args.window <= MAX_WINDOW_S or not 0 <= args.warmup <= MAX_WINDOW_S:
        parser.error(f"window and warmup must be within {MAX_WINDOW_S} s")
    if not 0 <= args.overview_share <= 1:
        parser.error("overview share must be between 0 and 1")
    if args.profile and not py_spy_path():
        parser.error("--profile needs py-spy: .venv/bin/pip install py-spy")
    # The product goes first in each scenario: its login gives the session cookie every client
    # sends, so all servers see the same handshakes.
    args.servers.sort(key=SERVERS.index)
    return args


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def versions() -> str:
    names = ("websockets", "channels", "channels-redis", "daphne", "redis", "django")
    return ", ".join(f"{name} {version(name)}" for name in names) + f"; client JSON: {JSON_LIBRARY}"


# --- the matrix --------------------------------------------------------------------------------


def start_publisher(ctx: Context, hosts: int, prefix: str) -> tuple[subprocess.Popen, list[str]]:
    """``manage.py simulate_hosts H`` under ``prefix``; returns once every host has published."""
    names = simulated_names(hosts, "sim")
    role = f"simulator-{prefix}"
    process = ctx.stack.start(
        role, "simulate_hosts", str(hosts), "--prefix", "sim", MONITOR_REDIS_PREFIX=prefix
    )
    ctx.stack.processes.pop(role)
    keys = RedisKeys(prefix)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the simulator exited; see {ctx.stack.workdir / role}.log")
        # Steady state: every host has published at least twice.
        if all(int(v or 0) >= 2 for v in ctx.store.mget([keys.seq(n) for n in names])):
            return process, names
        time.sleep(0.2)
    stop_process(process)
    raise RuntimeError(f"the simulator did not publish {hosts} hosts within 60 s")


def run_matrix(args: argparse.Namespace, workdir: Path) -> list[dict]:
    socket_path = workdir / "redis.sock"
    redis_url = f"unix://{socket_path}"
    # Always a private Redis: its CPU is one of the figures, and nobody else's keys load it.
    redis_process = start_embedded_redis(redis_url, workdir, socket_path=socket_path)
    try:
        stack = Stack(workdir, redis_url, "bench-setup")
        stack.prepare()
        ctx = Context(
            stack=stack,
            redis_url=redis_url,
            redis_pid=redis_process.pid,
            store=redis.Redis.from_url(redis_url),
            window=args.window,
            warmup=args.warmup,
            overview_share=args.overview_share,
            profile_dir=args.results_dir if args.profile else None,
            profile_format=args.profile,
        )
        results = []
        for hosts in args.hosts:
            # A prefix per H: the store's host list (what "*" means) holds exactly H hosts.
            prefix = f"bench-{os.getpid()}-{secrets.token_hex(2)}-h{hosts}"
            ctx.prefix = prefix
            publisher, names = start_publisher(ctx, hosts, prefix)
            try:
                for clients in args.clients:
                    for name in args.servers:
                        print(f"bench: N={clients} H={hosts} {name} …", end=" ", flush=True)
                        result = run_one(ctx, name, clients, names, publisher.pid)
                        results.append(result)
                        print(progress_line(result), flush=True)
            finally:
                stop_process(publisher)
        return results
    finally:
        with contextlib.suppress(Exception):
            stack.stop_all()
        stop_process(redis_process)


def progress_line(result: dict) -> str:
    return (
        f"{result['frames']} frames, {result['cpu_us_per_frame']:.0f} µs/frame, "
        f"age p99 {result['age_p99_ms']:.0f} ms, server {result['server_cpu_percent']:.0f}%, "
        f"client {result['client_cpu_percent']:.0f}%"
        + "".join(f"; {w}" for w in result["warnings"])
    )


def harness_problems(results: list[dict], markdown: str, expected_servers: list[str]) -> list[str]:
    """What a clean small run must show; no timing is judged."""
    problems = []
    for r in results:
        name = f"N={r['clients']} H={r['hosts']} {r['server']}"
        if r["connected"] != r["clients"] or r["failed"]:
            problems.append(f"{name}: {r['connected']}/{r['clients']} connected, {r['failed']} "
                            f"failed {r['failed_reasons']}")  # fmt: skip
        if r["screens_without_frames"]:
            problems.append(f"{name}: {r['screens_without_frames']} screens got no frames")
        if not r["all_ages_positive_and_finite"]:
            problems.append(f"{name}: sample ages not all positive and finite "
                            f"(min {r['age_min_ms']} ms, max {r['age_max_ms']} ms)")  # fmt: skip
        if r["gaps"] or r["duplicates"] or r["closed"] or r["errors"]:
            problems.append(f"{name}: {r['gaps']} seq gaps, {r['duplicates']} duplicates, "
                            f"{r['closed']} closed, {r['errors']} error frames")  # fmt: skip
        if r["ticks"] <= 0 or not r["samples"]:
            problems.append(f"{name}: no ticks or no samples in the window")
    for server in expected_servers:
        if f"| {server} |" not in markdown:
            problems.append(f"the tables have no row for {server}")
    return problems


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    raise_fd_limit()
    command = shlex.join([os.path.relpath(sys.executable, ROOT), "-m", "bench.run", *argv])
    if make_target := os.environ.get("BENCH_MAKE_TARGET"):
        command = f"make {make_target}  # {command}"
    print(f"bench: {command}", flush=True)
    started, clock = datetime.now().astimezone(), time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        results = run_matrix(args, workdir)
        browser = None
        if args.browser_seconds:
            from bench.overview_browser import measure as measure_browser

            print(f"bench: the overview in Chromium, 200 hosts, {args.browser_seconds:g} s …")
            browser = measure_browser(200, args.browser_seconds)
            print(f"bench: {json.dumps(browser)}", flush=True)
        soak = None
        if args.soak_minutes:
            from bench import soak as soak_bench

            minutes = args.soak_minutes
            print(f"bench: the soak, {minutes:g} min …", flush=True)
            soak = soak_bench.measure(minutes, screens=300 if minutes < 10 else 1000, hosts=20)
    except Exception:
        print(f"\nbench: failed; the servers' logs are in {workdir}", file=sys.stderr)
        raise
    report.add_ratios(results)
    run = {
        "command": command,
        "started": started.isoformat(timespec="seconds"),
        "duration_s": time.monotonic() - clock,
        "machine": machine_description(),
        "versions": versions(),
        "config": {
            "preset": args.preset,
            "servers": args.servers,
            "clients": args.clients,
            "hosts": args.hosts,
            "window_s": args.window,
            "warmup_s": args.warmup,
            "overview_share": args.overview_share,
            "interval_s": 1.0,
        },
        "results": results,
        "browser": browser,
        "soak": soak,
    }
    markdown = report.markdown(run)
    if soak is not None:
        from bench import soak as soak_bench

        markdown += "\n\n## Soak\n\n" + soak_bench.markdown(soak) + "\n"
    args.results_dir.mkdir(parents=True, exist_ok=True)
    stem = args.results_dir / started.strftime("%Y%m%d-%H%M%S")
    stem.with_suffix(".md").write_text(markdown)
    stem.with_suffix(".json").write_text(json.dumps(_finite(run), indent=2) + "\n")
    print("\n" + markdown)
    print(f"bench: written to {stem}.md and {stem}.json")
    shutil.rmtree(workdir, ignore_errors=True)
    if args.check:
        problems = harness_problems(results, markdown, args.servers)
        for problem in problems:
            print(f"bench: FAIL {problem}", file=sys.stderr)
        if problems:
            return 1
        print(f"bench: harness check passed ({len(results)} runs)")
    return 0


def _finite(value: object) -> object:
    """NaN (a figure with nothing to divide by) as null: JSON has no NaN."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


if __name__ == "__main__":
    sys.exit(main())
