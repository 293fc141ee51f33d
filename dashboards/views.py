import time

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from collectors.sample_store import StoreKeys, newest_sample_time

# Without a sample for this long the pipeline is broken somewhere between beat and the store.
NEWEST_SAMPLE_MAX_AGE_INTERVALS = 10
NEWEST_SAMPLE_MAX_AGE_FLOOR_S = 15


def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    try:
        hosts = [
            name.decode()
            for name in _redis().zrange(StoreKeys(settings.MONITOR_REDIS_PREFIX).hosts, 0, -1)
        ]
    except (redis.RedisError, OSError):
        hosts = []  # the page still loads; its socket retries until Redis is back
    interval = settings.MONITOR_INTERVAL
    return render(
        request,
        "dashboards/dashboard.html",
        {
            "ws_path": "/ws/live/",
            "interval": interval,
            "hosts": hosts,
            "window_s": 300,
            "stale_after": interval * settings.MONITOR_LATE_INTERVALS,
            "dead_after": interval * settings.MONITOR_STALE_INTERVALS,
        },
    )


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
    except (redis.RedisError, OSError) as exc:
        checks["redis"] = {"ok": False, "error": type(exc).__name__}

    max_age = max(
        NEWEST_SAMPLE_MAX_AGE_FLOOR_S, NEWEST_SAMPLE_MAX_AGE_INTERVALS * settings.MONITOR_INTERVAL
    )
    if newest is None:
        checks["newest_sample"] = {"ok": False, "age_s": None, "max_age_s": max_age}
    else:
        age = round(max(0.0, time.time() - newest), 3)
        checks["newest_sample"] = {"ok": age <= max_age, "age_s": age, "max_age_s": max_age}

    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", **checks}, status=200 if healthy else 503
    )
