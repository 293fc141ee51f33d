"""One run of the streaming benchmark: a fresh server, N screens, one measured window.

Connect (idle RSS), subscribe, warm up, then measure CPU of the server, Redis, the publisher and
the load client over the window, sample ages, frames and losses; the figures of that run.
"""

import asyncio
import contextlib
import json
import math
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import redis

from bench.loadclient import HOST_PAGE, OVERVIEW, LoadClient, percentile, plan_screens
from bench.measure import cpu_seconds, machine_busy_seconds, own_cpu_seconds, rss_bytes
from bench.servers import Server, start_server, stop_process
from core.redis_keys import RedisKeys
from tests.live.clients import login
from tests.live.stack import PASSWORD, USERNAME, Stack
from tests.services import free_port

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


def newest_seq(store, recent_key: str) -> int:
    """The seq of a host's newest stored sample (seqs are reserved in blocks: the counter in
    Redis runs ahead of what was published)."""
    newest = store.zrange(recent_key, -1, -1, withscores=True)
    return int(newest[0][1]) if newest else 0


def snapshot(ctx: Context, server_pid: int, publisher_pid: int, seq_key: str) -> dict:
    return {
        "time": time.monotonic(),
        "wall": time.time(),
        "server": cpu_seconds(server_pid),
        "redis": cpu_seconds(ctx.redis_pid),
        "publisher": cpu_seconds(publisher_pid),
        "client": own_cpu_seconds(),  # this process alone (its children are the others)
        "machine": machine_busy_seconds(),
        "seq": newest_seq(ctx.store, seq_key),
    }


async def measure(
    ctx: Context, server: Server, clients: int, names: list[str], publisher_pid: int
) -> dict:
    """Connect, read idle RSS, subscribe, warm up, measure one window; the figures of that run."""
    pid = server.process.pid
    seq_key = RedisKeys(ctx.prefix).recent(names[0], "summary")
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
    key = RedisKeys(ctx.prefix).recent(host, "summary")
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
        if name not in {"textbook", "bare"} and ctx.cookie is None:
            ctx.cookie = login(server.base_url, USERNAME, PASSWORD)
        return asyncio.run(measure(ctx, server, clients, names, publisher_pid))
    finally:
        stop_process(server.process)
