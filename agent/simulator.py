"""Synthetic hosts for tests and benchmarks, published through the same path as real agents.

Each host registers like an agent (marked ``driven_by: self``, so beat sends it nothing) and
publishes a realistic random-walk sample every interval with the real Publisher.
"""

import logging
import random
import threading
import time
from collections.abc import Iterable

import redis

from agent.publish import Publisher
from agent.registration import HEARTBEAT_S, Registration, agent_record
from agent.sample_writer import STORE_STARTED_OVER, SampleWriter
from collectors.host import Reading
from core import forcing
from core.layer import LayerPublisher
from core.redis_clients import REDIS_ERRORS
from core.redis_keys import RedisKeys

log = logging.getLogger(__name__)
GIB = 1024**3


class SimulatedHost:
    """One host's figures, drifting like a real machine's: busy spells, slowly filling disks."""

    def __init__(self, name: str, rng: random.Random) -> None:
        self.name = name
        self._rng = rng
        self.cores = rng.choice((2, 4, 8, 16))
        self.memory_total = rng.choice((4, 8, 16, 32, 64)) * GIB
        self._cpu = rng.uniform(5, 40)
        self._mem = rng.uniform(20, 70)
        self._disk = {"/": rng.uniform(20, 80), "/data": rng.uniform(10, 95)}
        self._booted = time.time() - rng.uniform(3600, 90 * 86400)

    def _walk(self, value: float, step: float, low: float = 0, high: float = 100) -> float:
        return min(high, max(low, value + self._rng.gauss(0, step)))

    def reading(self) -> Reading:
        rng = self._rng
        self._cpu = self._walk(self._cpu, 6)
        self._mem = self._walk(self._mem, 0.5, 5, 99)
        metrics: dict[str, float] = {
            "cpu.percent": round(self._cpu, 1),
            "cpu.user_percent": round(self._cpu * 0.7, 1),
            "cpu.system_percent": round(self._cpu * 0.25, 1),
            "cpu.iowait_percent": round(self._cpu * 0.05, 1),
            "cpu.count": self.cores,
            "load.1m": round(self.cores * self._cpu / 100 + rng.uniform(0, 0.3), 2),
            "load.5m": round(self.cores * self._cpu / 110, 2),
            "load.15m": round(self.cores * self._cpu / 120, 2),
            "load.1m_per_core": round(self._cpu / 100 + rng.uniform(0, 0.3) / self.cores, 3),
            "load.5m_per_core": round(self._cpu / 110, 3),
            "load.15m_per_core": round(self._cpu / 120, 3),
            "mem.total_bytes": self.memory_total,
            "mem.used_bytes": int(self.memory_total * self._mem / 100),
            "mem.available_bytes": int(self.memory_total * (100 - self._mem) / 100),
            "mem.percent": round(self._mem, 1),
            "swap.total_bytes": 2 * GIB,
            "swap.used_bytes": 0,
            "swap.percent": 0.0,
            "disk.io.read_bytes_per_s": round(rng.expovariate(1 / 2e6)),
            "disk.io.write_bytes_per_s": round(rng.expovariate(1 / 4e6)),
            "disk.io.read_ops_per_s": round(rng.expovariate(1 / 50)),
            "disk.io.write_ops_per_s": round(rng.expovariate(1 / 120)),
            "net.eth0.rx_bytes_per_s": round(rng.expovariate(1 / 5e5)),
            "net.eth0.tx_bytes_per_s": round(rng.expovariate(1 / 3e5)),
            "procs.count": rng.randint(150, 400),
            "uptime_s": round(time.time() - self._booted),
        }
        for core in range(self.cores):
            metrics[f"cpu.core.{core}.percent"] = round(self._walk(self._cpu, 10), 1)
        for mount, used in self._disk.items():
            self._disk[mount] = self._walk(used, 0.01, 1, 99.9)
            total = 500 * GIB
            metrics[f"disk.{mount}.total_bytes"] = total
            metrics[f"disk.{mount}.used_bytes"] = int(total * self._disk[mount] / 100)
            metrics[f"disk.{mount}.used_percent"] = round(self._disk[mount], 2)
        shares = sorted((rng.uniform(0, self._cpu) for _ in range(5)), reverse=True)
        names = ("java", "postgres", "nginx", "python3", "node")
        top = [
            {"pid": 1000 + n, "name": name, "user": "app", "cpu_percent": round(share, 1),
             "mem_percent": round(rng.uniform(0.1, 5), 1)}
            for n, (name, share) in enumerate(zip(names, shares, strict=True))
        ]  # fmt: skip
        return Reading(ts=time.time(), metrics=metrics, top=top)

    def record(self, labels: dict[str, str], interval: float) -> dict:
        record = agent_record(self.name, labels, interval, mode="simulated", driven_by="self")
        record.update(
            os="Linux (simulated)",
            cpu_count=self.cores,
            memory_total_bytes=self.memory_total,
            boot_time=self._booted,
            machine=f"simulator/{self.name}",
        )
        return record


def publish_round(
    client: redis.Redis,
    publishers: list[Publisher],
    readings: list[Reading],
    tick: int | None,
) -> None:
    """One reading per host, published as agents on separate machines would: together.

    The same stamps, encodings, store entries and layer messages as ``Publisher.publish``, but
    batched: one Redis round trip for every host's append and fan-out. One after the other, 200
    hosts would take a tenth of a second of round trips, a spread no real fleet has.
    """
    try:
        pipe = client.pipeline(transaction=False)
        for publisher, reading in zip(publishers, readings, strict=True):
            publisher.queue_send(
                pipe, publisher.message(publisher.writer.next_stamp(), reading, tick)
            )
        for publisher, reply in zip(publishers, pipe.execute(), strict=True):
            if reply == STORE_STARTED_OVER:
                publisher.writer.start_over()  # this round of this host is lost
            elif reply == 1:
                publisher.announce(client)
    except REDIS_ERRORS as exc:
        log.warning("could not publish a round of %d simulated hosts: %s", len(publishers), exc)


def _next_tick(client: redis.Redis, keys: RedisKeys) -> int | None:
    try:
        return client.incr(keys.tick)
    except REDIS_ERRORS:
        return None  # the publishes below fail too, and say so


def _apply_forced(client, keys: RedisKeys, hosts, readings: list[Reading]) -> None:
    """Metrics driven by hand (`manage.py alerts force`), as beat hands them to real agents."""
    try:
        forced = forcing.read(client, keys)
    except REDIS_ERRORS:
        return  # the round's publish says Redis is gone
    for host, reading in zip(hosts, readings, strict=True):
        reading.metrics.update(forced.get(host.name, {}))


def simulated_names(count: int, prefix: str) -> list[str]:
    width = max(3, len(str(count)))
    return [f"{prefix}-{n:0{width}d}" for n in range(1, count + 1)]


def run_simulation(
    names: Iterable[str],
    client: redis.Redis,
    keys: RedisKeys,
    interval: float,
    keep: int,
    labels: dict[str, str],
    stop: threading.Event,
    seed: int = 0,
) -> int:
    """Publish every ``interval`` for each host until ``stop`` is set; returns ticks run."""
    rng = random.Random(seed)
    layer = LayerPublisher(keys.layer_prefix)
    hosts = [SimulatedHost(name, rng) for name in names]
    registrations = [Registration(client, keys, host.record(labels, interval)) for host in hosts]
    publishers = [
        Publisher(host.name, interval, SampleWriter(client, keys, host.name, keep), layer)
        for host in hosts
    ]
    ticks = 0
    next_tick = time.monotonic()
    next_heartbeat = 0.0
    while not stop.is_set():
        if time.monotonic() >= next_heartbeat:
            for registration in registrations:
                registration.beat()
            next_heartbeat = time.monotonic() + HEARTBEAT_S
        # Numbered like the dispatcher's rounds, so screens send this round as one frame.
        tick = _next_tick(client, keys)
        readings = [host.reading() for host in hosts]
        _apply_forced(client, keys, hosts, readings)
        publish_round(client, publishers, readings, tick)
        ticks += 1
        # A fixed cadence: a slow tick is not followed by a catch-up burst.
        next_tick += interval
        delay = next_tick - time.monotonic()
        if delay < 0:
            next_tick = time.monotonic()
        stop.wait(max(0.0, delay))
    return ticks
