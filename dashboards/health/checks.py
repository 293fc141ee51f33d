"""The checks behind /healthz, each a plain function of a client or connection."""

import redis
from django.db import DatabaseError, connection

from core.redis_keys import RedisKeys

# Without a sample for this long the pipeline is broken somewhere between beat and the store.
NEWEST_SAMPLE_MAX_AGE_INTERVALS = 10
NEWEST_SAMPLE_MAX_AGE_FLOOR_S = 15


def database_check() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def newest_sample_time(client: redis.Redis, keys: RedisKeys) -> float | None:
    """Redis time when the newest sample of any host arrived, or None when there is none."""
    newest = client.zrevrange(keys.hosts, 0, 0, withscores=True)
    return newest[0][1] if newest else None


def newest_sample_max_age(interval: float) -> float:
    return max(NEWEST_SAMPLE_MAX_AGE_FLOOR_S, NEWEST_SAMPLE_MAX_AGE_INTERVALS * interval)


def stream_totals(snapshots: list[dict]) -> dict:
    """Every web process's stream figures added up."""
    return {
        "processes": len(snapshots),
        "clients": sum(s["clients"] for s in snapshots),
        "frames_per_s": round(sum(s["frames_per_s"] for s in snapshots), 2),
        "samples_per_s": round(sum(s["samples_per_s"] for s in snapshots), 2),
        "drops": sum(sum(s["drops"].values()) for s in snapshots),
        "oldest_sample_age_at_send_s": max(
            (s["oldest_sample_age_at_send_s"] for s in snapshots), default=None
        ),
    }
