"""Celery tasks that run on an agent: thin wrappers around the sampler and the publisher."""

import functools
import math

from celery import shared_task
from celery.signals import worker_ready, worker_shutdown
from channels.layers import get_channel_layer
from django.conf import settings

from agent.publish import Publisher
from agent.registration import Registration, agent_record
from agent.sample_writer import SampleWriter
from collectors.host import HostSampler
from core.redis_clients import redis_client
from core.redis_keys import redis_keys

COLLECT_TASK = "collectors.collect"
AGENT_NODE_PREFIX = "agent@"


def agent_queue(host: str) -> str:
    """The queue that only ``host``'s agent consumes."""
    return f"agent.{host}"


def samples_to_keep(interval: float, seconds: float) -> int:
    """How many samples cover ``seconds`` of history; never fewer than 600."""
    return max(600, math.ceil(seconds / interval))


@functools.cache
def _sampler() -> HostSampler:
    # Kept for the life of the agent process: rates and CPU percent are deltas against it.
    return HostSampler()


@functools.cache
def _publisher() -> Publisher:
    keep = samples_to_keep(settings.MONITOR_INTERVAL, settings.MONITOR_RECENT_SECONDS)
    keys = redis_keys(settings.MONITOR_REDIS_PREFIX)
    writer = SampleWriter(redis_client(settings.REDIS_URL), keys, settings.MONITOR_HOST, keep)
    return Publisher(settings.MONITOR_HOST, settings.MONITOR_INTERVAL, writer, get_channel_layer())


@functools.cache
def _registration() -> Registration:
    # The first reading also primes CPU and rate deltas, so the first published sample has them.
    first = _sampler().sample().metrics
    record = agent_record(
        settings.MONITOR_HOST, settings.MONITOR_LABELS, settings.MONITOR_INTERVAL, _sampler().mode
    )
    # In a container these are its limits, not the machine's.
    record["memory_total_bytes"] = first.get("mem.total_bytes", record["memory_total_bytes"])
    record["cpu_count"] = first.get("container.cpu.limit_core_count", record["cpu_count"])
    return Registration(
        redis_client(settings.REDIS_URL), redis_keys(settings.MONITOR_REDIS_PREFIX), record
    )


@worker_ready.connect
def register_agent(sender, **kwargs) -> None:
    """An agent registers itself as soon as its worker is ready, and keeps a heartbeat."""
    if sender.hostname.startswith(AGENT_NODE_PREFIX):
        _registration().start()


@worker_shutdown.connect
def stop_heartbeat(sender, **kwargs) -> None:
    if _registration.cache_info().currsize:
        _registration().stop()


@shared_task(name=COLLECT_TASK, ignore_result=True)
def collect(interval: float | None = None, tick: int | None = None) -> int | None:
    """Sample this host once and publish it; returns the sample's seq (None if not published)."""
    publisher = _publisher()
    if interval:
        publisher.interval = interval  # the dispatcher's clock decides the cadence
    return publisher.publish(_sampler().sample(), tick)
