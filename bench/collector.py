"""CPU and memory of one host sample: HostSampler against bare psutil and against Glances.

    .venv/bin/python -m bench.collector --samples 300

Three candidates, run side by side in one invocation, in child processes of this one:

- ``ours``: ``HostSampler(mode=...).sample()`` with its default samplers.
- ``bare``: the psutil calls that produce the same fields and nothing else: cpu_times(percpu),
  getloadavg, virtual_memory, swap_memory, disk_partitions + disk_usage per real mount,
  disk_io_counters, net_io_counters(pernic), len(pids()), boot_time, sensors_temperatures and the
  process scan (process_iter + cpu_times for every process and its CPU % since the previous
  scan, name/username/memory_percent for the top 5), read on the same cadence as ours (scan and
  sensors every few seconds, everything else every sample), with no dicts, rates or other
  percentages computed.
- ``glances``: Glances' GlancesStats with every plug-in but cpu, percpu, load, mem, memswap, fs,
  diskio, network, processcount, processlist, uptime and sensors disabled, each plug-in updated
  (update, views, history: what GlancesStats.update does) on its own refresh period from the
  Glances configuration with ``-t 1`` (1 s, fs 60 s and sensors 10 s in the stock glances.conf).

CPU phase: each candidate takes ``--samples`` samples on a simulated 1 s clock, back to back,
after ``--warmup`` samples, so everything a candidate does only every few seconds happens as
often as at 1 Hz; CPU is time.process_time() plus the CPU of reaped children (Glances forks one
per fs refresh), summed over the samples and divided by their number, so amortised scans are
included. Ours and bare run in one process, alternating every ``--block`` samples, so that load
from other work on the machine hits both alike; Glances runs in a process of its own.
``--repeats`` repetitions; medians are quoted.

Memory phase: the three run at the same time, each in a process of its own importing only what
it needs, for ``--rss-seconds`` at a real 1 Hz on the real monotonic clock (a third of a second
apart), then report their RSS, peak RSS and USS and their CPU per sample at that real cadence.

Needs Glances for its rows (``pip install -e '.[bench]'``); without it they are left out.
"""

from __future__ import annotations

# The children (bench/collector_child.py) measure; this parent starts them and reports.
import os
import sys
from typing import TYPE_CHECKING

from bench.collector_candidates import CANDIDATES, LABELS, ROOT, TARGETS, Cadence

if TYPE_CHECKING:
    import argparse


# ---------------------------------------------------------------------------------------------
# The parent: spawns the children, prints the Markdown report.


def child_command(
    args: argparse.Namespace, candidates: str, paced: bool = False, phase: float = 0.0
) -> list[str]:
    seconds = args.rss_seconds if paced else 0
    return [
        *(sys.executable, "-m", "bench.collector_child", candidates, args.mode),
        *(str(args.samples), str(args.warmup), str(args.block), str(seconds), str(phase)),
        *Cadence.of_collectors().as_args(),
    ]


def run_child(command: list[str]) -> dict:
    import json
    import shlex
    import subprocess

    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{shlex.join(command)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def glances_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("glances")
    except Exception:
        return None


def median_of(runs: list[dict], key: str) -> float:
    import statistics

    return statistics.median(run[key] for run in runs)


def ratio(ours: float, other: float) -> str:
    return f"{ours / other:.2f}x" if other else "n/a"


def parent_main(args: argparse.Namespace) -> int:
    import json
    import platform
    import shlex
    import statistics
    import subprocess

    import psutil

    candidates = [c for c in CANDIDATES if c != "glances" or glances_version()]
    has_glances = "glances" in candidates
    print("# Host collector cost: ours vs bare psutil vs Glances\n")
    print(f"Command: `{shlex.join(['python', '-m', 'bench.collector', *sys.argv[1:]])}`\n")
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"Machine: {psutil.cpu_count()} logical CPUs, {len(psutil.pids())} processes, "
        f"{len(psutil.disk_partitions())} real mounts, load {load}; Linux {platform.release()}, "
        f"Python {platform.python_version()}, psutil {psutil.__version__}, "
        f"Glances {glances_version() or 'not installed (pip install -e .[bench])'}; "
        f"sampling mode `{args.mode}`"
        + (" (ours also reads the cgroup files; bare and Glances do not)" * (args.mode != "host"))
        + ".\n"
    )
    if not has_glances:
        print("Glances is not installed: its rows and ratios are left out.\n")

    # CPU phase: ours and bare share a process and alternate in blocks (their ratio is the
    # tight one); Glances, ten times heavier, runs alone, before or after them in turn.
    runs: dict[str, list[dict]] = {c: [] for c in candidates}
    groups = ["ours,bare"] + (["glances"] if has_glances else [])
    for repetition in range(args.repeats):
        for group in groups if repetition % 2 == 0 else groups[::-1]:
            for candidate, result in run_child(child_command(args, group)).items():
                runs[candidate].append(result)
        print(f"<!-- repetition {repetition + 1}/{args.repeats} done -->", file=sys.stderr)
    breakdown = run_child(child_command(args, "breakdown"))

    # Memory phase: all at once, real 1 Hz, each at its own phase within the second.
    paced: dict[str, dict] = {}
    if args.rss_seconds > 0:
        processes = {
            c: subprocess.Popen(
                child_command(args, c, paced=True, phase=index / len(candidates)),
                cwd=ROOT,
                stdout=subprocess.PIPE,
                text=True,
            )
            for index, c in enumerate(candidates)
        }
        for candidate, process in processes.items():
            out, _ = process.communicate()
            if process.returncode != 0:
                raise SystemExit(f"paced {candidate} failed")
            paced[candidate] = json.loads(out.strip().splitlines()[-1])

    cpu = {c: median_of(runs[c], "cpu_ms") for c in candidates}
    per_rep_bare = [
        o["cpu_ms"] / b["cpu_ms"] for o, b in zip(runs["ours"], runs["bare"], strict=True)
    ]
    paired = statistics.median(per_rep_bare)
    print(
        f"## CPU per 1 s sample\n\n{args.samples} samples on a simulated 1 s clock after "
        f"{args.warmup} warm-up samples, median of {args.repeats} repetitions; CPU includes the "
        f"amortised scans. Ours and bare alternate every {args.block} samples in one process. "
        "Typical tick = median of single samples (no scan), worst = the costliest single "
        "sample (a scan, or a garbage collection).\n"
    )
    print(
        "| candidate | CPU ms/sample | min-max over repetitions | wall ms/sample "
        "| typical tick CPU ms | worst tick CPU ms | ours / this |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for candidate in candidates:
        values = [run["cpu_ms"] for run in runs[candidate]]
        print(
            f"| {LABELS[candidate]} | {cpu[candidate]:.3f} | {min(values):.3f}-{max(values):.3f} "
            f"| {median_of(runs[candidate], 'wall_ms'):.3f} "
            f"| {median_of(runs[candidate], 'tick_p50_ms'):.3f} "
            f"| {median_of(runs[candidate], 'tick_max_ms'):.2f} "
            f"| {ratio(cpu['ours'], cpu[candidate])} |"
        )
    print(
        f"\nours / bare, paired within each repetition: "
        f"{', '.join(f'{r:.2f}' for r in per_rep_bare)} (median {paired:.2f}, the figure "
        "checked below).\n"
    )

    if paced:
        print(
            f"## Memory, and CPU at a real 1 Hz\n\nThe candidates side by side, each in its own "
            f"process, for {args.rss_seconds:g} s at 1 Hz (a third of a second apart); RSS and "
            "USS at the end, peak RSS = VmHWM. A sample costs more here than back to back: "
            "caches are cold after a second asleep, and only a few scans fall in the window.\n"
        )
        print(
            "| candidate | RSS MiB | peak RSS MiB | USS MiB | samples | CPU ms/sample "
            "| ours RSS / this | ours CPU / this |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        mib = 1024 * 1024
        for candidate in candidates:
            run = paced[candidate]
            print(
                f"| {LABELS[candidate]} | {run['rss'] / mib:.1f} | {run['peak_rss'] / mib:.1f} "
                f"| {run['uss'] / mib:.1f} | {run['samples']} | {run['cpu_ms']:.3f} "
                f"| {ratio(paced['ours']['rss'], run['rss'])} "
                f"| {ratio(paced['ours']['cpu_ms'], run['cpu_ms'])} |"
            )
        print()

    print("## Where ours spends its CPU\n")
    print(f"One more run of ours with each sampler timed: {breakdown['total_ms']:.3f} ms/sample.\n")
    print("| sampler | CPU ms/sample | share |")
    print("| --- | ---: | ---: |")
    samplers = sorted(breakdown["samplers_ms"].items(), key=lambda item: -item[1])
    for name, value in samplers:
        print(f"| {name} | {value:.3f} | {100 * value / breakdown['total_ms']:.0f} % |")
    overhead = breakdown["total_ms"] - sum(breakdown["samplers_ms"].values())
    print(
        f"| HostSampler itself (merging, filtering) | {overhead:.3f} "
        f"| {100 * overhead / breakdown['total_ms']:.0f} % |\n"
    )

    paired = statistics.median(per_rep_bare)
    checks = [
        (
            f"ours <= {TARGETS['bare']}x bare psutil CPU",
            f"{paired:.2f}x",
            paired <= TARGETS["bare"],
        ),
        (
            f"ours <= {TARGETS['per_sample_ms']} ms CPU per 1 s sample",
            f"{cpu['ours']:.2f} ms",
            cpu["ours"] <= TARGETS["per_sample_ms"],
        ),
    ]
    if paced:
        real = paced["ours"]["cpu_ms"]
        checks.append(
            (
                f"ours <= {TARGETS['per_sample_ms']} ms CPU per sample at a real 1 Hz "
                f"({paced['ours']['samples']} samples)",
                f"{real:.2f} ms",
                real <= TARGETS["per_sample_ms"],
            )
        )
    if has_glances:
        checks.append(
            (
                f"ours <= {TARGETS['glances_cpu']}x Glances CPU",
                f"{cpu['ours'] / cpu['glances']:.2f}x",
                cpu["ours"] / cpu["glances"] <= TARGETS["glances_cpu"],
            )
        )
        if paced:
            rss = paced["ours"]["rss"] / paced["glances"]["rss"]
            checks.append(
                (
                    f"ours <= {TARGETS['glances_rss']}x Glances RSS",
                    f"{rss:.2f}x",
                    rss <= TARGETS["glances_rss"],
                )
            )
    print("## Targets\n")
    print("| target | measured | met |")
    print("| --- | ---: | --- |")
    for target, measured, met in checks:
        print(f"| {target} | {measured} | {'yes' if met else '**no**'} |")
    all_met = all(met for _, _, met in checks)
    return 0 if all_met or not args.check else 1


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=300, help="samples per repetition")
    parser.add_argument("--repeats", type=int, default=7, help="repetitions (median quoted)")
    parser.add_argument("--warmup", type=int, default=10, help="samples before measuring")
    parser.add_argument(
        "--block", type=int, default=10, help="ours and bare alternate every this many samples"
    )
    parser.add_argument(
        "--rss-seconds", type=float, default=30, help="real-time 1 Hz run for RSS (0: skip)"
    )
    parser.add_argument(
        "--mode",
        choices=("host", "container"),
        default="host",
        help="ours' sampling mode; the bare calls and Glances read no cgroup files, so host "
        "is the like-for-like comparison",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    return parent_main(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
