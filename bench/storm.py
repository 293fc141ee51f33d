"""A reconnect storm: N screens connecting at once (or at a given rate) while others stream.

    make bench-storm                     # 2,000 screens within one second, 200 already streaming
    .venv/bin/python -m bench.storm --screens 1000 --rate 200 --rounds 3

What follows a web restart with a wall of screens: the product runs as `make run` runs it
(`manage.py launch`, embedded Redis, a real agent for this machine), ``--steady`` host pages
stream while ``--screens`` more open their sockets, each sending the host page's subscribe the
moment its ``hello`` arrives, resuming from a recent seq as a reconnecting page does. Figures:
handshakes that failed and why, the time until every storm screen has its first live sample,
the already-connected screens' sample ages during the storm, the web process's CPU and RSS.
Target (issue 8): 2,000 at once all streaming within 15 s, none failed, steady p99 < 500 ms.
"""

import argparse
import asyncio
import json
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from bench.loadclient import LoadClient, Screen, percentile, raise_fd_limit
from bench.one_run import py_spy_path
from tests.live.launched import Launched


class StormScreen(Screen):
    """A host page that subscribes as soon as its hello arrives, and notes when things happen."""

    def __init__(self, client: "StormClient", subscribe: dict) -> None:
        super().__init__(client, "host", subscribe)
        self.started = time.monotonic()
        self.greeted_at: float | None = None
        self.first_live_at: float | None = None

    def _message(self, data: bytes, now: float) -> None:
        super()._message(data, now)
        if self.greeted and self.greeted_at is None:
            self.greeted_at = time.monotonic()
            hello = self.hello.result()
            self.send_json({**self.subscribe, **self.client.resume(hello)})

    def record_live(self) -> None:
        if self.first_live_at is None:
            self.first_live_at = time.monotonic()


class StormClient(LoadClient):
    """LoadClient whose screens open on a schedule and subscribe by themselves."""

    def __init__(self, *args, since: dict[str, int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.since = since

    def resume(self, hello: dict) -> dict:
        return {"since": self.since} if self.since else {}

    def take(self, screen: Screen, samples: list[dict], now: float) -> None:
        super().take(screen, samples, now)
        if isinstance(screen, StormScreen):
            screen.record_live()

    async def open_screen(self, subscribe: dict) -> StormScreen:
        loop = asyncio.get_running_loop()
        screen = StormScreen(self, subscribe)
        self.screens.append(screen)
        try:
            await asyncio.wait_for(
                loop.create_connection(lambda: screen, self.uri.host, self.uri.port), self.timeout
            )
            await asyncio.wait_for(screen.hello, self.timeout)
        except (OSError, TimeoutError, ValueError) as exc:
            self.failed.append(f"{type(exc).__name__}: {exc}"[:160])
            screen.drop()
        return screen


def host_page(host: str) -> dict:
    return {"type": "subscribe", "hosts": [host], "view": "full", "backfill_s": 300}


async def storm_round(
    url: str, cookie: str, host: str, count: int, rate: float, since: dict, wait_s: float
) -> tuple[StormClient, list[StormScreen], float]:
    """Open ``count`` screens, ``rate`` a second (0: spread over one second)."""
    origin = "http://" + url.split("://", 1)[1].split("/", 1)[0]
    client = StormClient(url, origin, cookie, [], since=since, timeout=wait_s)
    spread = 1.0 if rate <= 0 else count / rate
    started = time.monotonic()
    tasks = []
    for index in range(count):
        at = started + spread * index / count
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        tasks.append(asyncio.ensure_future(client.open_screen(host_page(host))))
    screens = list(await asyncio.gather(*tasks))
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if all(s.first_live_at or not s.open for s in screens):
            break
        await asyncio.sleep(0.05)
    return client, screens, started


def process_figures(process: psutil.Process) -> dict:
    with process.oneshot():
        times = process.cpu_times()
        return {
            "cpu_s": times.user + times.system,
            "rss_mib": process.memory_info().rss / 2**20,
            "fds": process.num_fds(),
        }


async def run(args: argparse.Namespace) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="bench-storm-"))
    launched = Launched(workdir).start()
    try:
        cookie = launched.cookie()
        host = socket.gethostname()  # the launcher's own agent
        web = launched.child("web")
        plan = [("host", {**host_page(host), "backfill_s": 0})] * args.steady
        steady = LoadClient(launched.ws_url, launched.base_url, cookie, plan)
        await steady.connect()
        await steady.subscribe()
        await asyncio.sleep(3)
        rounds = []
        for number in range(1, args.rounds + 1):
            since = {host: max(0, (await latest_seq(steady, host)) - 5)}
            before = process_figures(web)
            profiler = start_profiler(web.pid, args.profile, number)
            steady.start_window()
            client, screens, started = await storm_round(
                launched.ws_url, cookie, host, args.screens, args.rate, since, args.wait
            )
            window = steady.stop_window()
            after = process_figures(web)
            if profiler is not None:
                profiler.send_signal(signal.SIGINT)
                profiler.wait(30)
            streaming = [s for s in screens if s.first_live_at]
            to_live = sorted(s.first_live_at - started for s in streaming)
            ages = sorted(window.ages_s)
            log = launched.log()
            rounds.append(
                {
                    "round": number,
                    "screens": args.screens,
                    "rate_per_s": args.rate or f"{args.screens} in 1 s",
                    "failed": len(client.failed),
                    "failures": sorted(set(client.failed))[:5],
                    "closed_after_hello": sum(1 for s in screens if s.greeted and s.closed),
                    "streaming": len(streaming),
                    "all_streaming_after_s": round(to_live[-1], 2)
                    if len(streaming) == len(screens)
                    else None,
                    "first_live_p50_s": round(percentile(to_live, 0.5), 2) if to_live else None,
                    "first_live_p99_s": round(percentile(to_live, 0.99), 2) if to_live else None,
                    "steady_screens": len(steady.open_screens),
                    "steady_age_p50_ms": round(1000 * percentile(ages, 0.5), 1) if ages else None,
                    "steady_age_p99_ms": round(1000 * percentile(ages, 0.99), 1) if ages else None,
                    "steady_gaps": window.gaps,
                    "web_cpu_s": round(after["cpu_s"] - before["cpu_s"], 2),
                    "web_rss_mib": [round(before["rss_mib"], 1), round(after["rss_mib"], 1)],
                    "killed_instances_in_log": log.count("took too long to shut down"),
                    "tracebacks_in_log": log.count("Traceback"),
                }
            )
            print("storm:", json.dumps(rounds[-1]), flush=True)
            await client.close()
            await asyncio.sleep(args.pause)
        await steady.close()
        return {"rounds": rounds, "workdir": str(workdir)}
    finally:
        launched.stop()


def start_profiler(pid: int, path: str | None, number: int) -> subprocess.Popen | None:
    """py-spy on the web process for the round (collapsed stacks), when ``--profile`` asks."""
    if not path:
        return None
    return subprocess.Popen(
        [py_spy_path(), "record", "--pid", str(pid), "--format", "raw", "--rate", "200",
         "--output", f"{path}.{number}.txt", "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


async def latest_seq(client: LoadClient, host: str) -> int:
    for _ in range(100):
        seqs = [s.last_seq.get(host, 0) for s in client.open_screens]
        if seqs and max(seqs):
            return max(seqs)
        await asyncio.sleep(0.1)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screens", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=0, help="per second; 0: all in one second")
    parser.add_argument("--steady", type=int, default=200, help="screens streaming throughout")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--wait", type=float, default=60, help="seconds a screen may take")
    parser.add_argument("--pause", type=float, default=5, help="seconds between rounds")
    parser.add_argument("--profile", default=None, help="py-spy the web process into PATH.N.txt")
    args = parser.parse_args()
    raise_fd_limit()
    result = asyncio.run(run(args))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
