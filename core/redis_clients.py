"""Every Redis client the product uses is made here: one pool per process and URL.

Synchronous clients serve agents, beat, the evaluator and Django views; the asynchronous one
serves the web process's consumers, on its event loop. All share the same timeouts, so a dead
Redis is noticed in the same few seconds everywhere.
"""

import asyncio
import weakref
from functools import cache

import redis
import redis.asyncio as aioredis

REDIS_ERRORS = (redis.RedisError, OSError)
SOCKET_TIMEOUT_S = 5
CONNECT_TIMEOUT_S = 2
# The web process's consumers share a bounded pool and wait for a free connection: unbounded,
# 2,000 screens subscribing in the same second opened 2,000 connections at once, and the few
# whose connect or read passed its timeout on the busy loop were closed with 4503.
ASYNC_CONNECTIONS = 32  # per web process and event loop
ASYNC_WAIT_S = 30  # for a free connection; past it the screen gets "unavailable" (4503)


@cache
def redis_client(url: str) -> redis.Redis:
    """This process's client for ``url`` (thread-safe; its pool opens connections as needed)."""
    return redis.Redis.from_url(
        url, socket_timeout=SOCKET_TIMEOUT_S, socket_connect_timeout=CONNECT_TIMEOUT_S
    )


# One async client per event loop and URL: a redis.asyncio pool is bound to the loop that made it.
_async_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def async_redis_client(url: str) -> aioredis.Redis:
    """This event loop's shared async client for ``url``, with a bounded pool."""
    clients = _async_clients.setdefault(asyncio.get_running_loop(), {})
    if url not in clients:
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=ASYNC_CONNECTIONS,
            timeout=ASYNC_WAIT_S,
            socket_timeout=SOCKET_TIMEOUT_S,
            socket_connect_timeout=CONNECT_TIMEOUT_S,
        )
        clients[url] = aioredis.Redis(connection_pool=pool)
    return clients[url]


_async_probes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def async_redis_probe(url: str) -> aioredis.Redis:
    """This event loop's client for health pings: a connection of its own, short timeouts, so a
    busy shared pool never makes Redis look dead."""
    probes = _async_probes.setdefault(asyncio.get_running_loop(), {})
    if url not in probes:
        probes[url] = aioredis.Redis.from_url(
            url, socket_timeout=CONNECT_TIMEOUT_S, socket_connect_timeout=CONNECT_TIMEOUT_S
        )
    return probes[url]


def async_redis_subscriber(url: str) -> aioredis.Redis:
    """A client for a long-lived pub/sub subscription: no read timeout (a quiet channel is not a
    dead one), a health check every 30 s instead, and its own connection."""
    return aioredis.Redis.from_url(
        url, socket_connect_timeout=CONNECT_TIMEOUT_S, health_check_interval=30
    )


def redis_answers(url: str, timeout: float = 0.5) -> bool:
    """Whether a Redis answers PING at ``url`` within ``timeout`` (a probe, not a client)."""
    probe = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        return bool(probe.ping())
    except REDIS_ERRORS:
        return False
    finally:
        probe.close()


def redis_now(client: redis.Redis) -> float:
    """Redis's clock, the one every arrival and heartbeat time is measured by."""
    seconds, microseconds = client.time()
    return seconds + microseconds / 1_000_000
