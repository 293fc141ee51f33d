"""A soak: cycles of screens connecting, streaming and leaving, with slow, vanishing and killed
clients among them, while the web process's RSS and open files are watched.

    make bench-soak                                  # an hour
    .venv/bin/python -m bench.soak --minutes 3 --screens 300     # the sped-up run in make bench

The product runs as `make run` runs it (`manage.py launch`, embedded Redis, a real agent) with
``--hosts`` simulated hosts beside it, and this machine's recent store filled first (ten minutes
of samples), so backfills are as big in the first cycle as later. Each cycle: ``--screens``
screens connect and subscribe
as the pages do, backfill included (5 % overview, the rest host pages); among them clients that
never read and switch views four times a second, clients that vanish (TCP abort) mid-stream or
mid-subscribe, and a process of clients that is killed (-9); they stream for ``--stream``
seconds and leave. After each cycle and a pause: the web process's RSS and file descriptors,
the clients /healthz counts and the channel-layer subscriptions in Redis. Target (issue 8): RSS
after the last cycle within 10 % of after the first.
"""

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

from agent.publish import encode_views
from agent.sample_writer import SampleWriter
from bench.loadclient import LoadClient, Screen, plan_screens, raise_fd_limit
from collectors.host import HostSampler
from core.redis_keys import RedisKeys
from tests.live.launched import Launched
from tests.live.stack import open_figures

SLOW_CLIENTS = 3
VANISHING_CLIENTS = 20
KILLED_CLIENTS = 50


def with_backfill(plan: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """The pages' own backfill: 120 s for the overview, 300 s for a host page."""
    return [(kind, {**sub, "backfill_s": 120 if kind == "overview" else 300}) for kind, sub in plan]


class SwitchingScreen(Screen):
    """Never reads after its hello, and switches between views four times a second."""

    def start_switching(self) -> asyncio.Task:
        self.transport.pause_reading()
        return asyncio.ensure_future(self._switch())

    async def _switch(self) -> None:
        views = ("summary", "full")
        for turn in range(10**6):
            self.send_json({**self.subscribe, "view": views[turn % 2]})
            await asyncio.sleep(0.25)


async def misbehave(client: LoadClient, host: str, seconds: float) -> dict:
    """Slow, vanishing and mid-subscribe clients, for ``seconds``."""
    sub = {"type": "subscribe", "hosts": [host], "view": "full", "backfill_s": 600}
    loop = asyncio.get_running_loop()
    slow = [SwitchingScreen(client, "host", sub) for _ in range(SLOW_CLIENTS)]
    vanishing = [Screen(client, "host", sub) for _ in range(2 * VANISHING_CLIENTS)]
    for screen in slow + vanishing:
        try:
            await loop.create_connection(lambda s=screen: s, client.uri.host, client.uri.port)
            await asyncio.wait_for(screen.hello, 10)
        except (OSError, TimeoutError, ValueError):
            screen.drop()
    switching = [screen.start_switching() for screen in slow if screen.open]
    mid_subscribe, mid_stream = vanishing[:VANISHING_CLIENTS], vanishing[VANISHING_CLIENTS:]
    for screen in mid_subscribe:
        screen.send_json(sub)
        screen.drop()  # gone while the server answers the subscribe
    for screen in mid_stream:
        screen.send_json(sub)
    await asyncio.sleep(seconds / 2)
    for screen in mid_stream:
        screen.drop()
    await asyncio.sleep(seconds / 2)
    for task in switching:
        task.cancel()
    closed = [screen.closed for screen in slow]
    for screen in slow:
        screen.drop()
    return {"slow_closed_with": closed}


def start_killed_clients(url: str, cookie: str, host: str) -> subprocess.Popen:
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.soak", "--child", url, "--cookie", cookie, "--host", host],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    child.stdout.readline()  # "ready": its sockets are open and subscribed
    return child


async def child_clients(url: str, cookie: str, host: str) -> None:
    origin = "http://" + url.split("://", 1)[1].split("/", 1)[0]
    sub = {"type": "subscribe", "hosts": [host], "view": "full", "backfill_s": 60}
    client = LoadClient(url, origin, cookie, [("host", sub)] * KILLED_CLIENTS)
    await client.connect()
    await client.subscribe()
    print("ready", flush=True)
    await asyncio.sleep(3600)


def fill_recent_store(client: redis.Redis, host: str, count: int = 600) -> None:
    """Ten minutes of samples of ``host`` (this machine's, as read now), as a product that has
    run a while has: backfills are as big in the first cycle as in the last."""
    writer = SampleWriter(client, RedisKeys("monitor"), host, keep=count)
    reading = HostSampler().sample()
    for _ in range(count):
        stamp = writer.next_stamp()
        writer.append(stamp, *encode_views(host, stamp.seq, 1.0, reading))


def web_figures(launched: Launched, client: redis.Redis) -> dict:
    web = launched.child("web")
    with open_figures(launched.base_url + "/healthz", timeout=5) as response:
        health = json.load(response)
    layer_channels = client.pubsub_channels("monitor.layer*")
    return {
        "rss_mib": round(web.memory_info().rss / 2**20, 1),
        "fds": web.num_fds(),
        "clients": health.get("stream", {}).get("clients"),
        "layer_subscriptions": len(layer_channels),
    }


async def cycle(launched: Launched, cookie: str, host: str, hosts: list[str], args) -> dict:
    plan = with_backfill(plan_screens(args.screens, [host, *hosts[:20]], 0.05))
    client = LoadClient(launched.ws_url, launched.base_url, cookie, plan)
    killed = start_killed_clients(launched.ws_url, cookie, host)
    await client.connect()
    await client.subscribe()
    misbehaving = asyncio.ensure_future(misbehave(client, host, args.stream))
    await asyncio.sleep(args.stream / 2)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    outcome = await misbehaving
    failed = len(client.failed)
    half = len(client.screens) // 2
    for screen in client.screens[:half]:  # half leave with a closing handshake
        if screen.open and screen.protocol is not None:
            screen.protocol.send_close(1001)
            screen._flush()
    await asyncio.sleep(1)
    await client.close()
    return {"failed": failed, **outcome}


async def run(args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    launched = Launched(workdir).start()
    simulator = None
    try:
        cookie = launched.cookie()
        host = socket.gethostname()
        if args.hosts:
            simulator = launched.stack.start("simulator", "simulate_hosts", str(args.hosts))
        hosts = [f"sim-{n:03d}" for n in range(1, args.hosts + 1)]
        store = redis.Redis.from_url(launched.redis_url)
        fill_recent_store(store, host)
        await asyncio.sleep(5)
        baseline = web_figures(launched, store)
        print("soak: before", json.dumps(baseline), flush=True)
        cycles = []
        deadline = time.monotonic() + args.minutes * 60
        while time.monotonic() < deadline or not cycles:
            outcome = await cycle(launched, cookie, host, hosts, args)
            await asyncio.sleep(args.pause)
            figures = {"cycle": len(cycles) + 1, **web_figures(launched, store), **outcome}
            cycles.append(figures)
            print("soak:", json.dumps(figures), flush=True)
        log = launched.log()
        first, last = cycles[0]["rss_mib"], cycles[-1]["rss_mib"]
        return {
            "before": baseline,
            "cycles": cycles,
            "rss_first_last_mib": [first, last],
            "rss_growth_percent": round(100 * (last - first) / first, 1),
            "killed_instances_in_log": log.count("took too long to shut down"),
            "tracebacks_in_log": log.count("Traceback"),
            "workdir": str(workdir),
        }
    finally:
        if simulator is not None:
            simulator.send_signal(signal.SIGTERM)
        launched.stop()


def measure(minutes: float, screens: int = 1000, hosts: int = 50, stream: float = 15) -> dict:
    """One soak (as ``make bench-soak`` runs it, or shorter), its figures."""
    args = argparse.Namespace(minutes=minutes, screens=screens, hosts=hosts, stream=stream, pause=5)
    raise_fd_limit()
    result = asyncio.run(run(args))
    result["config"] = {"minutes": minutes, "screens": screens, "hosts": hosts, "stream_s": stream}
    return result


def markdown(result: dict) -> str:
    config, cycles = result["config"], result["cycles"]
    rss = [c["rss_mib"] for c in cycles]
    fds = [c["fds"] for c in cycles]
    lines = [
        f"Soak: {len(cycles)} cycles in {config['minutes']:g} min, {config['screens']} screens "
        f"a cycle with {config['hosts']} simulated hosts beside the agent, slow, vanishing and "
        "killed clients among them (`.venv/bin/python -m bench.soak "
        f"--minutes {config['minutes']:g} --screens {config['screens']}`)",
        "",
        "| figure | before | after the first cycle | after the last | max |",
        "|---|---:|---:|---:|---:|",
        f"| web RSS MiB | {result['before']['rss_mib']} | {rss[0]} | {rss[-1]} | {max(rss)} |",
        f"| web open files | {result['before']['fds']} | {fds[0]} | {fds[-1]} | {max(fds)} |",
        f"| clients counted after the cycle | {result['before']['clients']} | "
        f"{cycles[0]['clients']} | {cycles[-1]['clients']} | {max(c['clients'] for c in cycles)} |",
        f"| layer subscriptions in Redis | {result['before']['layer_subscriptions']} | "
        f"{cycles[0]['layer_subscriptions']} | {cycles[-1]['layer_subscriptions']} | "
        f"{max(c['layer_subscriptions'] for c in cycles)} |",
        "",
        f"RSS after the last cycle {result['rss_growth_percent']:+g} % of after the first "
        "(target: within 10 %); instances Daphne had to kill: "
        f"{result['killed_instances_in_log']}; tracebacks in the log: "
        f"{result['tracebacks_in_log']}.",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--screens", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=50, help="simulated hosts beside the agent")
    parser.add_argument("--stream", type=float, default=15, help="seconds each cycle streams")
    parser.add_argument("--pause", type=float, default=5, help="seconds before measuring")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--cookie", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--host", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    raise_fd_limit()
    if args.child:
        asyncio.run(child_clients(args.child, args.cookie, args.host))
        return 0
    result = measure(args.minutes, args.screens, args.hosts, args.stream)
    print(markdown(result))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
