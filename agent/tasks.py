"""The agent's Celery task and signals: thin wrappers around the sampler and the publisher."""

import contextlib
import functools
import logging
import time

from celery.signals import worker_ready, worker_shutdown

from agent.celery_app import app, config, keys
from agent.publish import Publisher
from agent.registration import Registration, agent_record
from agent.rounds import RoundGaps
from agent.sample_writer import SampleWriter, samples_to_keep
from collectors.host import HostSampler
from core.collection import AGENT_NODE_PREFIX, COLLECT_TASK
from core.layer import LayerPublisher
from core.redis_clients import REDIS_ERRORS, redis_client

log = logging.getLogger(__name__)


@functools.cache
def _sampler() -> HostSampler:
    # Kept for the life of the agent process: rates and CPU percent are deltas against it.
    return HostSampler()


@functools.cache
def _publisher() -> Publisher:
    keep = samples_to_keep(config.interval, config.recent_s)
    writer = SampleWriter(redis_client(config.redis_url), keys, config.host, keep)
    return Publisher(config.host, config.interval, writer, LayerPublisher(keys.layer_prefix))


@functools.cache
def _round_gaps() -> RoundGaps:
    return RoundGaps(config.interval)


@functools.cache
def _registration() -> Registration:
    # The first reading also primes CPU and rate deltas, so the first published sample has them.
    first = _sampler().sample().metrics
    record = agent_record(config.host, config.labels, config.interval, _sampler().mode)
    # In a container these are its limits, not the machine's.
    record["memory_total_bytes"] = first.get("mem.total_bytes", record["memory_total_bytes"])
    record["cpu_count"] = first.get("container.cpu.limit_core_count", record["cpu_count"])
    return Registration(redis_client(config.redis_url), keys, record)


@worker_ready.connect
def register_agent(sender, **kwargs) -> None:
    """An agent registers itself as soon as its worker is ready, and keeps a heartbeat."""
    if sender.hostname.startswith(AGENT_NODE_PREFIX):
        _registration().start()


@worker_shutdown.connect
def stop_heartbeat(sender, **kwargs) -> None:
    if _registration.cache_info().currsize:
        _registration().stop()


@app.task(name=COLLECT_TASK, ignore_result=True)
def collect(
    interval: float | None = None, tick: int | None = None, forced: dict | None = None
) -> int | None:
    """Sample this host once and publish it; returns the sample's seq (None if not published).
    ``forced`` metrics (core/forcing.py, `manage.py alerts force`) replace what was read."""
    publisher = _publisher()
    if interval:
        publisher.interval = interval  # the dispatcher's clock decides the cadence
    missed = _round_gaps().seen(tick, time.monotonic())
    if missed:
        count_missed(missed, tick)
    reading = _sampler().sample()
    if forced:
        reading.metrics.update(
            (str(k), float(v)) for k, v in forced.items() if isinstance(v, int | float)
        )
    return publisher.publish(reading, tick)


def count_missed(missed: int, tick: int) -> None:
    """Rounds that never reached this agent in time: in Redis for /metrics, and in the log."""
    log.warning("%d collection rounds before round %d never reached this agent", missed, tick)
    with contextlib.suppress(*REDIS_ERRORS):  # the publish just after says Redis is gone, once
        redis_client(config.redis_url).hincrby(keys.collects_missed, config.host, missed)
