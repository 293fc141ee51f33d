"""Celery tasks that run on an agent: thin wrappers around the sampler and the publisher."""

import functools
import math

import redis
from celery import shared_task
from channels.layers import get_channel_layer
from django.conf import settings

from collectors.host import HostSampler
from collectors.publish import Publisher
from collectors.sample_store import SampleWriter, StoreKeys

COLLECT_TASK = "collectors.collect"


def agent_queue(host: str) -> str:
    """The queue that only ``host``'s agent consumes."""
    return f"agent.{host}"


def collect_schedule(host: str, interval: float) -> dict:
    """Beat's entry for one host: a `collect` every interval that expires if not taken in time.

    Expiry is what keeps a stopped agent from coming back to a backlog of stale ticks.
    """
    return {
        f"collect-{host}": {
            "task": COLLECT_TASK,
            "schedule": interval,
            "options": {"queue": agent_queue(host), "expires": interval, "ignore_result": True},
        }
    }


def samples_to_keep(interval: float, seconds: float) -> int:
    """How many samples cover ``seconds`` of history; never fewer than 600."""
    return max(600, math.ceil(seconds / interval))


@functools.cache
def _sampler() -> HostSampler:
    # Kept for the life of the agent process: rates and CPU percent are deltas against it.
    return HostSampler()


@functools.cache
def _publisher() -> Publisher:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=2)
    keep = samples_to_keep(settings.MONITOR_INTERVAL, settings.MONITOR_RECENT_SECONDS)
    writer = SampleWriter(
        client, StoreKeys(settings.MONITOR_REDIS_PREFIX), settings.MONITOR_HOST, keep
    )
    return Publisher(settings.MONITOR_HOST, settings.MONITOR_INTERVAL, writer, get_channel_layer())


@shared_task(name=COLLECT_TASK, ignore_result=True)
def collect() -> int | None:
    """Sample this host once and publish it; returns the sample's seq (None if not published)."""
    return _publisher().publish(_sampler().sample())
