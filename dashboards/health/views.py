"""/healthz (JSON: database, Redis, newest sample, stream, hosts) and /metrics (Prometheus).

Anyone may ask /healthz whether the server is healthy (its status code and ``status``); the
checks behind it, and /metrics, need the metrics token or a staff session
(dashboards/access/tokens.py)."""

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST

from core.redis_clients import REDIS_ERRORS, redis_client, redis_now
from core.redis_keys import redis_keys
from dashboards.access.tokens import may_read_figures
from dashboards.fleet.models import Host
from dashboards.health import prometheus
from dashboards.health.checks import (
    database_check,
    newest_sample_max_age,
    newest_sample_time,
    stream_totals,
)
from dashboards.stream import stats


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, Redis and the newest sample's age; 503 when any of them is not right."""
    checks: dict[str, dict] = {"database": database_check()}
    keys = redis_keys(settings.MONITOR_REDIS_PREFIX)
    client = redis_client(settings.REDIS_URL)
    newest = now = None
    try:
        client.ping()
        checks["redis"] = {"ok": True}
        newest = newest_sample_time(client, keys)
        now = redis_now(client)
    except REDIS_ERRORS as exc:
        checks["redis"] = {"ok": False, "error": type(exc).__name__}

    max_age = newest_sample_max_age(settings.MONITOR_INTERVAL)
    if newest is None or now is None:
        checks["newest_sample"] = {"ok": False, "age_s": None, "max_age_s": max_age}
    else:
        age = round(max(0.0, now - newest), 3)
        checks["newest_sample"] = {"ok": age <= max_age, "age_s": age, "max_age_s": max_age}

    healthy = all(check["ok"] for check in checks.values())
    if checks["redis"]["ok"]:
        checks["stream"] = stream_totals(stats.read_all(client, keys))
    if checks["database"]["ok"]:
        # Informational: a down host is the fleet's trouble, not this server's.
        counts = Host.objects.values("status").annotate(n=Count("id"))
        checks["hosts"] = {row["status"]: row["n"] for row in counts}
        if not checks["redis"]["ok"]:
            # Statuses are judged from Redis: without it, what the database holds is the last
            # judgement before the outage, and nobody knows how the hosts are now.
            checks["hosts"] = {"unknown": sum(checks["hosts"].values())}
    body = {"status": "ok" if healthy else "unhealthy"}
    if may_read_figures(request):
        body.update(checks)
    response = JsonResponse(body, status=200 if healthy else 503)
    # A 503 here is the answer, not a server error: load balancers poll this every few seconds,
    # and Django would log each one at ERROR level while the processes log the outage once.
    response._has_been_logged = True
    return response


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format: the stream per web process, then every host's newest sample."""
    if not may_read_figures(request):
        response = HttpResponse(
            "# /metrics needs the metrics token (Authorization: Bearer ...): docs/security.md\n",
            status=401,
            content_type=CONTENT_TYPE_LATEST,
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        response._has_been_logged = True  # the answer to a scrape, not a server error
        return response
    client = redis_client(settings.REDIS_URL)
    keys = redis_keys(settings.MONITOR_REDIS_PREFIX)
    try:
        snapshots = stats.read_all(client, keys)
        now = redis_now(client)
        arrivals = dict(client.zrange(keys.hosts, 0, -1, withscores=True))
        hosts = [name.decode() for name in arrivals]
        pipe = client.pipeline(transaction=False)
        for host in hosts:
            pipe.zrange(keys.recent(host), -1, -1)
        newest = pipe.execute()
        fleet = client.hvals(keys.fleet)
    except REDIS_ERRORS as exc:
        response = HttpResponse(
            f"# redis unavailable: {type(exc).__name__}\n",
            status=503,
            content_type=CONTENT_TYPE_LATEST,
        )
        response._has_been_logged = True  # the answer to a scrape, not a server error
        return response
    ages = {name.decode(): max(0.0, now - arrived) for name, arrived in arrivals.items()}
    latest = {
        host: texts[0].decode(errors="replace")
        for host, texts in zip(hosts, newest, strict=True)
        if texts
    }
    collector = prometheus.ScrapeCollector(snapshots, prometheus.fleet_records(fleet), ages, latest)
    return HttpResponse(prometheus.exposition(collector), content_type=CONTENT_TYPE_LATEST)
