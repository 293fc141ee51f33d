"""The whole agent beside Debian's prometheus-node-exporter: CPU per sample and memory.

    .venv/bin/python -m bench.agent --seconds 60        # part of make bench-collector

The agent runs as `make run` runs it (`manage.py launch`: beat sends a collect every second to
a real agent, which samples, stores and publishes; the Celery worker, the heartbeat and the
publish step are all counted). Beside it, node_exporter 1.5 restricted to the same areas
(cpu, meminfo, loadavg, filesystem, diskstats, netdev, hwmon, stat, uname) and a second one
with its default collectors are scraped once a second over HTTP, as Prometheus would. Over the
same ``--seconds``: CPU time per sample (or scrape) of each process and its RSS and USS at the
end. Target (issue 8): the agent's CPU per sample at or below node_exporter's for the same
areas, and its RSS at most 50 MiB.

Needs the `prometheus-node-exporter` package (`apt-get install prometheus-node-exporter`).
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psutil

from tests.live.launched import Launched
from tests.services import free_port

SAME_AREAS = ("cpu", "meminfo", "loadavg", "filesystem", "diskstats", "netdev", "hwmon", "stat",
              "uname")  # fmt: skip


def node_exporter_binary() -> str | None:
    return shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")


def start_node_exporter(binary: str, port: int, areas: tuple[str, ...] | None):
    argv = [binary, f"--web.listen-address=127.0.0.1:{port}"]
    if areas is not None:
        argv += ["--collector.disable-defaults", *(f"--collector.{area}" for area in areas)]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=1).read()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"node_exporter did not answer on port {port}")


def scrape_every_second(port: int, stop: threading.Event, counts: list[int]) -> None:
    next_at = time.monotonic()
    while not stop.is_set():
        urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read()
        counts[0] += 1
        next_at += 1.0
        stop.wait(max(0.0, next_at - time.monotonic()))


def cpu_s(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def memory(process: psutil.Process) -> dict:
    full = process.memory_full_info()
    return {"rss_mib": round(full.rss / 2**20, 1), "uss_mib": round(full.uss / 2**20, 1)}


def samples_published(launched: Launched, host: str) -> int:
    """The host's newest stored seq (consecutive while one agent runs)."""
    import redis

    from bench.one_run import newest_seq

    client = redis.Redis.from_url(launched.redis_url)
    return newest_seq(client, f"monitor:recent:full:{host}")


def run(seconds: float, mode: str) -> dict:
    binary = node_exporter_binary()
    if binary is None:
        raise SystemExit("prometheus-node-exporter is not installed (apt-get install it)")
    import socket

    host = socket.gethostname()
    env = (
        {}
        if mode == "detected"
        else {"MONITOR_CONTAINER": "true" if mode == "container" else "false"}
    )
    launched = Launched(Path(tempfile.mkdtemp(prefix="bench-agent-")), **env).start()
    exporters = {}
    try:
        ports = {"node_exporter (same areas)": free_port(), "node_exporter (defaults)": free_port()}
        exporters = {
            name: start_node_exporter(binary, port, SAME_AREAS if "same" in name else None)
            for name, port in ports.items()
        }
        time.sleep(5)  # the agent past its first samples, the exporters past their first scrape
        agent = psutil.Process(launched.child("agent").pid)
        processes = {"agent (whole process)": agent}
        processes.update({name: psutil.Process(p.pid) for name, p in exporters.items()})
        stop = threading.Event()
        counts = {name: [0] for name in exporters}
        scrapers = [
            threading.Thread(target=scrape_every_second, args=(ports[name], stop, counts[name]))
            for name in exporters
        ]
        before = {name: cpu_s(process) for name, process in processes.items()}
        published_before = samples_published(launched, host)
        for scraper in scrapers:
            scraper.start()
        time.sleep(seconds)
        stop.set()
        for scraper in scrapers:
            scraper.join()
        after = {name: cpu_s(process) for name, process in processes.items()}
        samples = {"agent (whole process)": samples_published(launched, host) - published_before}
        samples.update({name: counts[name][0] for name in exporters})
        rows = {}
        for name, process in processes.items():
            per_sample = (after[name] - before[name]) / max(1, samples[name])
            rows[name] = {
                "samples": samples[name],
                "cpu_ms_per_sample": round(1000 * per_sample, 2),
                **memory(process),
            }
        mode_used = launched.stack.shell(
            "from dashboards.fleet.models import Host; print(Host.objects.get().mode)"
        ).strip()
        return {
            "seconds": seconds, "rows": rows, "node_exporter": version(binary), "mode": mode_used,
        }  # fmt: skip
    finally:
        for process in exporters.values():
            process.terminate()
        launched.stop()


def version(binary: str) -> str:
    done = subprocess.run([binary, "--version"], capture_output=True, text=True)
    return (done.stdout or done.stderr).splitlines()[0]


def markdown(result: dict) -> str:
    agent = result["rows"]["agent (whole process)"]
    same = result["rows"]["node_exporter (same areas)"]
    lines = [
        f"Whole agent ({result['mode']} mode) beside {result['node_exporter']}, "
        f"{result['seconds']:g} s at 1 Hz (`.venv/bin/python -m bench.agent`)",
        "",
        "| process | samples | CPU ms per sample | RSS MiB | USS MiB |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, row in result["rows"].items():
        lines.append(
            f"| {name} | {row['samples']} | {row['cpu_ms_per_sample']} | {row['rss_mib']} | "
            f"{row['uss_mib']} |"
        )
    ratio = agent["cpu_ms_per_sample"] / same["cpu_ms_per_sample"]
    lines += ["", f"Agent CPU per sample: {ratio:.2f}x node_exporter's for the same areas; "
              f"RSS {agent['rss_mib']} MiB (target: at most 1.0x and 50 MiB)."]  # fmt: skip
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--mode", choices=("detected", "host", "container"), default="detected",
        help="the agent's sampling mode (detected: as make run chooses; host: the areas "
        "node_exporter reads, without a container's cgroup limits)",
    )  # fmt: skip
    args = parser.parse_args()
    result = run(args.seconds, args.mode)
    print(markdown(result))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
