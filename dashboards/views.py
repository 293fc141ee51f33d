import functools
import json

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache

from collectors.sample_store import StoreKeys, newest_sample_time, redis_now
from dashboards import prometheus, stream_stats
from dashboards.fleet import host_record
from dashboards.models import Host
from monitor.env import SettingError, parse_labels

# Without a sample for this long the pipeline is broken somewhere between beat and the store.
NEWEST_SAMPLE_MAX_AGE_INTERVALS = 10
NEWEST_SAMPLE_MAX_AGE_FLOOR_S = 15


PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8"


def _redis() -> redis.Redis:
    return _redis_for(settings.REDIS_URL)


@functools.lru_cache(maxsize=4)
def _redis_for(url: str) -> redis.Redis:
    # One pool per process: /healthz is polled by load balancers, and a fresh client would open
    # a new connection on every request.
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def _live_context() -> dict:
    interval = settings.MONITOR_INTERVAL
    return {
        "ws_path": "/ws/live/",
        "interval": interval,
        "stale_after": interval * settings.MONITOR_LATE_INTERVALS,
        "dead_after": interval * settings.MONITOR_DOWN_INTERVALS,
    }


def _matches(labels: dict[str, str], wanted: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in wanted.items())


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """Every host as a tile, worst first; ``?label=env=prod`` narrows it to matching hosts."""
    label = request.GET.get("label", "").strip()
    try:
        wanted = parse_labels(label, "label")
    except SettingError as exc:
        return HttpResponseBadRequest(f"{exc}\n", content_type="text/plain")
    hosts = [host_record(host) for host in Host.objects.all() if _matches(host.labels, wanted)]
    context = {**_live_context(), "label": label, "hosts": hosts, "window_s": 120}
    return render(request, "dashboards/overview.html", context)


@login_required
def host_detail(request: HttpRequest, name: str) -> HttpResponse:
    """One host's full charts, details and top processes."""
    host = get_object_or_404(Host, name=name)
    context = {**_live_context(), "hosts": [host.name], "host": host_record(host), "window_s": 300}
    return render(request, "dashboards/host.html", context)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, Redis and the newest sample's age; 503 when any of them is not right."""
    checks: dict[str, dict] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True}
    except DatabaseError as exc:
        checks["database"] = {"ok": False, "error": type(exc).__name__}

    newest = None
    try:
        client = _redis()
        client.ping()
        checks["redis"] = {"ok": True}
        newest = newest_sample_time(client, StoreKeys(settings.MONITOR_REDIS_PREFIX))
        now = redis_now(client)
    except (redis.RedisError, OSError) as exc:
        checks["redis"] = {"ok": False, "error": type(exc).__name__}

    max_age = max(
        NEWEST_SAMPLE_MAX_AGE_FLOOR_S, NEWEST_SAMPLE_MAX_AGE_INTERVALS * settings.MONITOR_INTERVAL
    )
    if newest is None:
        checks["newest_sample"] = {"ok": False, "age_s": None, "max_age_s": max_age}
    else:
        age = round(max(0.0, now - newest), 3)
        checks["newest_sample"] = {"ok": age <= max_age, "age_s": age, "max_age_s": max_age}

    healthy = all(check["ok"] for check in checks.values())
    if checks["redis"]["ok"]:
        snapshots = stream_stats.read_all(client, StoreKeys(settings.MONITOR_REDIS_PREFIX))
        checks["stream"] = {
            "processes": len(snapshots),
            "clients": sum(s["clients"] for s in snapshots),
            "frames_per_s": round(sum(s["frames_per_s"] for s in snapshots), 2),
            "samples_per_s": round(sum(s["samples_per_s"] for s in snapshots), 2),
            "drops": sum(sum(s["drops"].values()) for s in snapshots),
            "oldest_sample_age_at_send_s": max(
                (s["oldest_sample_age_at_send_s"] for s in snapshots), default=None
            ),
        }
    if checks["database"]["ok"]:
        # Informational: a down host is the fleet's trouble, not this server's.
        counts = Host.objects.values("status").annotate(n=Count("id"))
        checks["hosts"] = {row["status"]: row["n"] for row in counts}
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", **checks}, status=200 if healthy else 503
    )


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format: the stream per web process, then every host's newest sample."""
    client = _redis()
    keys = StoreKeys(settings.MONITOR_REDIS_PREFIX)
    try:
        snapshots = stream_stats.read_all(client, keys)
        now = redis_now(client)
        arrivals = dict(client.zrange(keys.hosts, 0, -1, withscores=True))
        hosts = [name.decode() for name in arrivals]
        pipe = client.pipeline(transaction=False)
        for host in hosts:
            pipe.zrange(keys.recent(host), -1, -1)
        newest = pipe.execute()
        records = [json.loads(r) for r in client.hvals(keys.fleet)]
    except (redis.RedisError, OSError) as exc:
        return HttpResponse(
            f"# redis unavailable: {type(exc).__name__}\n", status=503, content_type=PROMETHEUS
        )
    ages = {name.decode(): max(0.0, now - arrived) for name, arrived in arrivals.items()}
    latest = {host: texts[0].decode() for host, texts in zip(hosts, newest, strict=True) if texts}
    lines = [*prometheus.stream_lines(snapshots), *prometheus.host_lines(records, ages, latest)]
    return HttpResponse("\n".join(lines) + "\n", content_type=PROMETHEUS)
