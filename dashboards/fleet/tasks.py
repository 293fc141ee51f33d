"""Central Celery tasks, run by the evaluator every interval: thin wrappers around evaluator.py."""

import functools

from celery import current_app, shared_task
from channels.layers import get_channel_layer
from django.conf import settings

from agent.tasks import COLLECT_TASK, agent_queue
from core.redis_clients import redis_client
from core.redis_keys import redis_keys
from dashboards.fleet.evaluator import FleetEvaluator

EVALUATE_TASK = "fleet.evaluate"
DISPATCH_TASK = "fleet.dispatch"
CENTRAL_QUEUE = "central"


def central_schedule(interval: float) -> dict:
    """Beat's entries: dispatch collects and evaluate the fleet, each every interval."""
    options = {"queue": CENTRAL_QUEUE, "expires": interval, "ignore_result": True}
    return {
        "fleet-dispatch": {"task": DISPATCH_TASK, "schedule": interval, "options": options},
        "fleet-evaluate": {"task": EVALUATE_TASK, "schedule": interval, "options": options},
    }


@functools.cache
def fleet_evaluator() -> FleetEvaluator:
    # Kept for the life of the evaluator: it remembers what it last published.
    return FleetEvaluator(
        client=redis_client(settings.REDIS_URL),
        keys=redis_keys(settings.MONITOR_REDIS_PREFIX),
        channel_layer=get_channel_layer(),
        late_after=settings.MONITOR_LATE_INTERVALS,
        down_after=settings.MONITOR_DOWN_INTERVALS,
    )


@shared_task(name=EVALUATE_TASK, ignore_result=True)
def evaluate_fleet() -> None:
    fleet_evaluator().tick()


@shared_task(name=DISPATCH_TASK, ignore_result=True)
def dispatch_collect() -> int:
    """Send `collect` to every dispatchable host's own queue; returns how many were sent."""
    interval = settings.MONITOR_INTERVAL
    keys = redis_keys(settings.MONITOR_REDIS_PREFIX)
    client = redis_client(settings.REDIS_URL)
    names = sorted(name.decode() for name in client.smembers(keys.dispatch))
    tick = client.incr(keys.tick)
    with current_app.producer_or_acquire() as producer:
        for name in names:
            current_app.send_task(
                COLLECT_TASK,
                kwargs={"interval": interval, "tick": tick},
                queue=agent_queue(name),
                expires=interval,
                ignore_result=True,
                producer=producer,
            )
    return len(names)
