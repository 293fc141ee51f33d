"""The streaming benchmark: the product's fan-out next to textbook Channels and bare websockets.

    make bench         # .venv/bin/python -m bench.run --preset bench   (under 10 minutes)
    make bench-full    # .venv/bin/python -m bench.run --preset full
    make bench-smoke   # .venv/bin/python -m bench.run --preset smoke   (30 s, checks the harness)

One private redis-server and database for the whole run. For each H, the fleet simulator publishes
H hosts through the product's publisher; for each N, each server (product, textbook, bare) is
started fresh on its own port, N screens connect (idle RSS is read), subscribe, warm up, and are
measured over a fixed window. Results: a Markdown summary printed at the end and written with a
JSON file to bench/results/<timestamp>.{md,json}.
"""

import argparse
import asyncio
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
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

import redis

from bench import report
from bench.loadclient import (
    HOST_PAGE,
    JSON_LIBRARY,
    OVERVIEW,
    LoadClient,
    percentile,
    plan_screens,
    raise_fd_limit,
)
from bench.measure import (
    cpu_seconds,
    machine_busy_seconds,
    machine_description,
    own_cpu_seconds,
    rss_bytes,
)
from bench.servers import SERVERS, Server, start_server, stop_process
from collectors.sample_store import StoreKeys
from collectors.simulator import simulated_names
from monitor.embedded_redis import start_embedded_redis
from tests.live.clients import login
from tests.live.stack import PASSWORD, ROOT, USERNAME, Stack
from tests.services import free_port

RESULTS_DIR = ROOT / "bench" / "results"
PRESETS = {
    # 3 servers x 1 scenario in about 30 s: proves the harness, measures nothing worth keeping.
    "smoke": {"clients": [6], "hosts": [3], "window": 3.0, "warmup": 1.5, "overview_share": 1 / 3},
    # 18 runs of about 25 s: under 10 minutes on the 2-core machine.
    "bench": {"clients": [200, 1000], "hosts": [1, 50, 200], "window": 15.0, "warmup": 3.0},
    "full": {"clients": [200, 1000, 2000], "hosts": [1, 50, 200], "window": 30.0, "warmup": 5.0},
}
MAX_CLIENTS = 5000
MAX_HOSTS = 1000
MAX_WINDOW_S = 600
SATURATED_PERCENT = 85  # of one core: a single-threaded event loop is then the bottleneck
# Samples read in the window still count as delivered if they arrive this long after it.
GRACE_S = 1.0


@dataclass
class Context:
    """What every run in one invocation shares."""

    stack: Stack
    redis_url: str
    redis_pid: int
    store: redis.Redis
    window: float
    warmup: float
    overview_share: float
    profile_dir: Path | None
    profile_format: str | None
    prefix: str = ""  # the store and layer prefix of the current H
    cookie: str | None = None


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="bench")
    parser.add_argument("--servers", default=",".join(SERVERS), help="comma-separated")
    parser.add_argument("--clients", help="comma-separated N values (overrides the preset)")
    parser.add_argument("--hosts", help="comma-separated H values (overrides the preset)")
    parser.add_argument("--window", type=float, help="seconds measured per run")
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
    args.warmup = preset["warmup"] if args.warmup is None else args.warmup
    if args.overview_share is None:
        args.overview_share = preset.get("overview_share", 0.05)
    args.check = args.preset == "smoke" if args.check is None else args.check
    args.servers = [s for s in args.servers.split(",") if s]
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
    # sends, so all three servers see the same handshakes.
    args.servers.sort(key=lambda s: ("product", "textbook", "bare").index(s))
    return args


def _ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def versions() -> str:
    names = ("websockets", "channels", "channels-redis", "daphne", "redis", "django")
    return ", ".join(f"{name} {version(name)}" for name in names) + f"; client JSON: {JSON_LIBRARY}"


# --- one run -----------------------------------------------------------------------------------


def snapshot(ctx: Context, server_pid: int, publisher_pid: int, seq_key: str) -> dict:
    return {
        "time": time.monotonic(),
        "wall": time.time(),
        "server": cpu_seconds(server_pid),
        "redis": cpu_seconds(ctx.redis_pid),
        "publisher": cpu_seconds(publisher_pid),
        "client": own_cpu_seconds(),  # this process alone (its children are the others)
        "machine": machine_busy_seconds(),
        "seq": int(ctx.store.get(seq_key) or 0),
    }


async def measure(
    ctx: Context, server: Server, clients: int, names: list[str], publisher_pid: int
) -> dict:
    """Connect, read idle RSS, subscribe, warm up, measure one window; the figures of that run."""
    pid = server.process.pid
    seq_key = StoreKeys(ctx.prefix).seq(names[0])
    await asyncio.sleep(0.5)
    rss_base = rss_bytes(pid)
    plan = plan_screens(clients, names, ctx.overview_share)
    client = LoadClient(server.ws_url, server.base_url, ctx.cookie, plan)
    profiler = None
    try:
        await client.connect()
        await asyncio.sleep(1.0)  # let the server settle after the handshakes
        rss_idle = rss_bytes(pid)
        connected = len(client.open_screens)
        await client.subscribe()
        await asyncio.sleep(ctx.warmup)
        if ctx.profile_dir and server.name != "bare":
            profiler = _start_profiler(ctx, server, clients, len(names))
        before = snapshot(ctx, pid, publisher_pid, seq_key)
        client.start_window()
        await asyncio.sleep(ctx.window)
        window = client.stop_window()
        after = snapshot(ctx, pid, publisher_pid, seq_key)
        rss_end = rss_bytes(pid)
        await asyncio.sleep(GRACE_S)
        client.finish_window(window)
        after["ticks"] = ticks_between(ctx, names[0], before, after)
    finally:
        await client.close()
        if profiler is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                profiler.wait(30)
    return figures(
        server.name, clients, names, window, before, after,
        rss_base, rss_idle, rss_end, connected, client.failed,
    )  # fmt: skip


def ticks_between(ctx: Context, host: str, before: dict, after: dict) -> int:
    """Publisher ticks whose read time ``ts`` falls in the window: exact, where a seq difference
    is off by one at either edge (a tick read just before the window but counted in it)."""
    key = StoreKeys(ctx.prefix).recent(host, "summary")
    stored = ctx.store.zrangebyscore(key, before["seq"] - 2, "+inf")
    return sum(1 for text in stored if before["wall"] <= json.loads(text)["ts"] < after["wall"])


def figures(
    server: str, clients: int, names: list[str], window, before: dict, after: dict,
    rss_base: int, rss_idle: int, rss_end: int, connected: int, failed: list[str],
) -> dict:  # fmt: skip
    seconds = after["time"] - before["time"]
    ticks = after["ticks"]
    used = {key: after[key] - before[key] for key in ("server", "redis", "publisher", "client")}
    busy = after["machine"] - before["machine"]
    ages = sorted(window.ages_s)
    lags = sorted(window.lags_s)
    hosts = len(names)
    followed = window.screens_by_kind[OVERVIEW] * hosts + window.screens_by_kind[HOST_PAGE]

    def per(value: float, count: float) -> float:
        return value / count if count else math.nan

    def per_tick(kind: str) -> float:
        return per(window.read_frames_by_kind[kind], window.screens_by_kind[kind] * ticks)

    result = {
        "server": server,
        "clients": clients,
        "hosts": hosts,
        "connected": connected,
        "screens": window.screens_by_kind,
        "window_s": round(seconds, 2),
        "ticks": ticks,
        "frames": window.frames,
        "samples": window.samples,
        "frames_per_s": per(window.frames, seconds),
        "cpu_us_per_frame": per(1e6 * used["server"], window.frames),
        "cpu_us_per_sample": per(1e6 * used["server"], window.samples),
        "server_cpu_percent": 100 * used["server"] / seconds,
        "age_min_ms": 1000 * ages[0] if ages else math.nan,
        "age_p50_ms": 1000 * percentile(ages, 0.50),
        "age_p99_ms": 1000 * percentile(ages, 0.99),
        "age_max_ms": 1000 * ages[-1] if ages else math.nan,
        "frames_per_tick_overview": per_tick(OVERVIEW),
        "frames_per_tick_host": per_tick(HOST_PAGE),
        "delivered_percent": 100 * per(sum(window.read_samples_by_kind.values()), followed * ticks),
        "rss_base_mib": rss_base / 2**20,
        "rss_idle_kib_per_conn": per((rss_idle - rss_base) / 1024, connected),
        "rss_streaming_kib_per_conn": per((rss_end - rss_base) / 1024, connected),
        "redis_cpu_percent": 100 * used["redis"] / seconds,
        "publisher_ms_per_tick": per(1000 * used["publisher"], ticks),
        "client_cpu_percent": 100 * used["client"] / seconds,
        "client_lag_p99_ms": 1000 * percentile(lags, 0.99),
        "client_lag_max_ms": 1000 * lags[-1] if lags else math.nan,
        "machine_busy_percent": 100 * busy / seconds,  # of one core; all cores = cores x 100
        "others_cpu_percent": 100 * (busy - sum(used.values())) / seconds,
        "gaps": window.gaps,
        "duplicates": window.duplicates,
        "errors": window.errors,
        "failed": len(failed),
        "failed_reasons": sorted(set(failed))[:5],
        "closed": window.closed,
        "screens_without_frames": window.screens_without_frames,
        "all_ages_positive_and_finite": bool(ages) and ages[0] > 0 and math.isfinite(ages[-1]),
    }
    result["warnings"] = warnings(result)
    return result


def warnings(result: dict) -> list[str]:
    found = []
    if result["client_cpu_percent"] >= SATURATED_PERCENT:
        found.append(
            f"the load client was saturated ({result['client_cpu_percent']:.0f}% of a core, "
            f"loop lag p99 {result['client_lag_p99_ms']:.0f} ms): ages and rates are its limit"
        )
    if result["server_cpu_percent"] >= SATURATED_PERCENT:
        found.append(f"server saturated ({result['server_cpu_percent']:.0f}% of a core)")
    if result["others_cpu_percent"] >= 25:
        found.append(
            f"other processes on the machine used {result['others_cpu_percent']:.0f}% of a core"
        )
    if result["failed"] or result["closed"]:
        found.append(f"{result['failed']} screens failed, {result['closed']} were closed")
    if result["ticks"] <= 0:
        found.append("the publisher did not tick during the window")
    return found


def py_spy_path() -> str | None:
    """py-spy from the venv or PATH; not a dependency (``.venv/bin/pip install py-spy``)."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


def _start_profiler(ctx: Context, server: Server, clients: int, hosts: int):
    py_spy = py_spy_path()
    suffix = {"flamegraph": "svg", "raw": "folded", "speedscope": "json"}[ctx.profile_format]
    ctx.profile_dir.mkdir(parents=True, exist_ok=True)
    output = ctx.profile_dir / f"profile-{server.name}-n{clients}-h{hosts}.{suffix}"
    # --nonblocking: sampling without pausing the server, so the profile barely perturbs it.
    argv = [py_spy, "record", "--nonblocking", "-r", "200", "-d", str(int(ctx.window)),
            "-f", ctx.profile_format, "-p", str(server.process.pid), "-o", str(output)]  # fmt: skip
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run_one(ctx: Context, name: str, clients: int, names: list[str], publisher_pid: int) -> dict:
    server = start_server(name, ctx.stack, ctx.prefix, free_port())
    try:
        if name == "product" and ctx.cookie is None:
            ctx.cookie = login(server.base_url, USERNAME, PASSWORD)
        return asyncio.run(measure(ctx, server, clients, names, publisher_pid))
    finally:
        stop_process(server.process)


# --- the matrix --------------------------------------------------------------------------------


def start_publisher(ctx: Context, hosts: int, prefix: str) -> tuple[subprocess.Popen, list[str]]:
    """``manage.py simulate_hosts H`` under ``prefix``; returns once every host has published."""
    names = simulated_names(hosts, "sim")
    role = f"simulator-{prefix}"
    process = ctx.stack.start(
        role, "simulate_hosts", str(hosts), "--prefix", "sim", MONITOR_REDIS_PREFIX=prefix
    )
    ctx.stack.processes.pop(role)
    keys = StoreKeys(prefix)
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
    }
    markdown = report.markdown(run)
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
