"""Metrics driven by hand: `manage.py alerts force HOST METRIC VALUE --for 5m` makes a host's
next samples carry VALUE for METRIC, through the whole real path (agent or simulator, store,
screens, evaluator), so an alert can be shown and tested without loading a machine.

Kept in one Redis hash that beat reads with each collection round (it hands each agent its own
values with the `collect`) and the simulator reads once per round; every entry ends by itself.
"""

import math
import time

from core.redis_keys import RedisKeys


def _field(host: str, metric: str) -> str:
    return f"{host} {metric}"


def force(client, keys: RedisKeys, host: str, metric: str, value: float, seconds: float) -> None:
    if not math.isfinite(value):
        raise ValueError(f"{value!r} is not a finite number")
    client.hset(keys.forced, _field(host, metric), f"{value!r} {time.time() + seconds!r}")


def release(client, keys: RedisKeys, host: str, metric: str | None = None) -> int:
    """Stop forcing one metric of ``host``, or all of them; returns how many were forced."""
    fields = [
        name for name in client.hkeys(keys.forced)
        if name.decode().split(" ", 1)[0] == host
        and (metric is None or name.decode().split(" ", 1)[1] == metric)
    ]  # fmt: skip
    return client.hdel(keys.forced, *fields) if fields else 0


def parse(raw: dict[bytes, bytes], now: float) -> tuple[dict[str, dict[str, float]], list[bytes]]:
    """The hash as host -> {metric: value}, and the fields whose time is up."""
    forced: dict[str, dict[str, float]] = {}
    expired: list[bytes] = []
    for name, entry in raw.items():
        try:
            host, metric = name.decode().split(" ", 1)
            value, until = (float(part) for part in entry.decode().split(" ", 1))
        except ValueError:
            expired.append(name)  # not written by force(): dropped rather than trusted
            continue
        if until < now:
            expired.append(name)
        else:
            forced.setdefault(host, {})[metric] = value
    return forced, expired


def read(client, keys: RedisKeys) -> dict[str, dict[str, float]]:
    """Every forced metric now in force, by host; removes the ones that ended."""
    forced, expired = parse(client.hgetall(keys.forced), time.time())
    if expired:
        client.hdel(keys.forced, *expired)
    return forced
