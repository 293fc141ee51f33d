"""One measuring child of the collector benchmark (bench/collector.py): CPU or paced RSS runs.

    python -m bench.collector_child <candidates> <mode> <samples> <warmup> <block> <seconds> ...

Started by the parent, prints one JSON line of figures.
"""

from __future__ import annotations

import resource
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass

from bench.collector_candidates import Cadence, build

# ---------------------------------------------------------------------------------------------
# Child processes: one candidate each, one JSON line on stdout.


def cpu_seconds() -> float:
    """This process's CPU plus that of its reaped children (Glances forks for fs)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def peak_rss() -> int:
    """VmHWM: unlike ru_maxrss, it does not carry over the parent's peak across exec."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class SimulatedClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def run_simulated(
    candidates: list[str], mode: str, cadence: Cadence, samples: int, warmup: int, block: int
) -> dict:
    """`samples` ticks of each candidate on its own simulated clock, in alternating blocks of
    `block` ticks (who goes first alternates too) so that a burst of load on the shared machine
    hits all of them alike. Returns {candidate: figures}."""
    import statistics

    clocks = {name: SimulatedClock() for name in candidates}
    drivers = {name: build(name, mode, cadence, clocks[name]) for name in candidates}
    for name in candidates:
        for _ in range(warmup):
            drivers[name].tick(clocks[name].now)
            clocks[name].now += 1.0
    cpu = dict.fromkeys(candidates, 0.0)
    wall = dict.fromkeys(candidates, 0.0)
    ticks: dict[str, list[float]] = {name: [] for name in candidates}
    done = 0
    while done < samples:
        count = min(block, samples - done)
        order = candidates if (done // block) % 2 == 0 else candidates[::-1]
        for name in order:
            driver, clock, spent = drivers[name], clocks[name], ticks[name]
            cpu_start, wall_start = cpu_seconds(), time.perf_counter()
            for _ in range(count):
                before = time.process_time()
                driver.tick(clock.now)
                spent.append(time.process_time() - before)
                clock.now += 1.0
            cpu[name] += cpu_seconds() - cpu_start
            wall[name] += time.perf_counter() - wall_start
        done += count
    return {
        name: {
            "cpu_ms": 1000 * cpu[name] / samples,
            "wall_ms": 1000 * wall[name] / samples,
            "tick_p50_ms": 1000 * statistics.median(ticks[name]),
            "tick_max_ms": 1000 * max(ticks[name]),
        }
        for name in candidates
    }


def run_breakdown(mode: str, samples: int, warmup: int) -> dict:
    """Ours again, with every sampler's CPU timed separately (a little overhead of its own)."""
    from collectors.host import HostSampler

    clock = SimulatedClock()
    host = HostSampler(mode=mode, clock=clock)
    spent: dict[str, float] = {}

    def timed(sampler):
        name = type(getattr(sampler, "sampler", sampler)).__name__  # unwrap Reused
        inner = sampler.sample

        def sample(now: float) -> dict[str, float]:
            before = time.process_time()
            try:
                return inner(now)
            finally:
                spent[name] = spent.get(name, 0.0) + time.process_time() - before

        sampler.sample = sample
        return sampler

    host._active = [timed(sampler) for sampler in host._active]
    for _ in range(warmup):
        host.sample()
        clock.now += 1.0
    spent.clear()
    start = time.process_time()
    for _ in range(samples):
        host.sample()
        clock.now += 1.0
    total = time.process_time() - start
    return {
        "total_ms": 1000 * total / samples,
        "samplers_ms": {name: 1000 * value / samples for name, value in spent.items()},
    }


def run_paced(candidate: str, mode: str, cadence: Cadence, seconds: float, phase: float) -> dict:
    """A priming sample, then one sample a second for `seconds` on the machine's monotonic
    clock, `phase` seconds into each second so that the candidates running side by side do
    not all wake at the same instant."""
    import psutil

    driver = build(candidate, mode, cadence, clock=None)
    driver.tick(time.monotonic())
    cpu_start, count = cpu_seconds(), int(seconds)
    next_tick = float(int(time.monotonic())) + phase
    for _ in range(count):
        next_tick += 1.0
        time.sleep(max(0.0, next_tick - time.monotonic()))
        driver.tick(time.monotonic())
    cpu = cpu_seconds() - cpu_start
    me = psutil.Process()
    return {
        "samples": count,
        "cpu_ms": 1000 * cpu / max(1, count),
        "rss": me.memory_info().rss,
        "uss": me.memory_full_info().uss,
        "peak_rss": peak_rss(),
    }


def child_main(argv: list[str]) -> None:
    """argv: candidates (comma-separated) mode samples warmup block paced_seconds phase
    scan_every sensors_every top_count (positional, so that the child needs no argparse)."""
    candidates, mode, samples, warmup, block, paced_seconds, phase, *cadence = argv
    timing = Cadence(float(cadence[0]), float(cadence[1]), int(cadence[2]))
    if candidates == "breakdown":
        result = run_breakdown(mode, int(samples), int(warmup))
    elif float(paced_seconds) > 0:
        result = run_paced(candidates, mode, timing, float(paced_seconds), float(phase))
    else:
        names = candidates.split(",")
        result = run_simulated(names, mode, timing, int(samples), int(warmup), int(block))
    import json  # after the RSS was read

    print(json.dumps(result))


if __name__ == "__main__":
    child_main(sys.argv[1:])
