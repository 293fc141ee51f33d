"""Central Celery tasks, run by the evaluator every interval: thin wrappers around evaluator.py.
Collection rounds are sent by beat itself (dispatch.py)."""

import functools

from celery import shared_task
from django.conf import settings

from core.layer import LayerPublisher
from core.redis_clients import redis_client
from core.redis_keys import redis_keys
from dashboards.alerts.tasks import EVALUATE_ALERTS_TASK
from dashboards.fleet.dispatch import COLLECT_ROUND_ENTRY, COLLECT_ROUND_TASK
from dashboards.fleet.evaluator import FleetEvaluator
from dashboards.notify.queues import DISPATCH_TASK

EVALUATE_TASK = "fleet.evaluate"
CENTRAL_QUEUE = "central"


def central_schedule(interval: float) -> dict:
    """Beat's entries: a collection round (sent by beat's scheduler itself), the fleet's tick and
    the alerts' tick, each every interval; and the notifications' dispatch (at most once a
    second: the timing knobs of routes are seconds at least). The dispatch runs here too, not
    on the notify queue: it is database work only, and on the notifier's threads hung
    receivers could starve it (docs/notifications.md)."""
    options = {"queue": CENTRAL_QUEUE, "expires": interval, "ignore_result": True}
    notify_every = max(interval, 1.0)
    notify = {"queue": CENTRAL_QUEUE, "expires": notify_every, "ignore_result": True}
    return {
        COLLECT_ROUND_ENTRY: {"task": COLLECT_ROUND_TASK, "schedule": interval},
        "fleet-evaluate": {"task": EVALUATE_TASK, "schedule": interval, "options": options},
        "alerts-evaluate": {
            "task": EVALUATE_ALERTS_TASK,
            "schedule": interval,
            "options": options,
        },
        "notify-dispatch": {"task": DISPATCH_TASK, "schedule": notify_every, "options": notify},
    }


@functools.cache
def fleet_evaluator() -> FleetEvaluator:
    # Kept for the life of the evaluator: it remembers what it last published.
    keys = redis_keys(settings.MONITOR_REDIS_PREFIX)
    return FleetEvaluator(
        client=redis_client(settings.REDIS_URL),
        keys=keys,
        layer=LayerPublisher(keys.layer_prefix),
        late_after=settings.MONITOR_LATE_INTERVALS,
        down_after=settings.MONITOR_DOWN_INTERVALS,
    )


@shared_task(name=EVALUATE_TASK, ignore_result=True)
def evaluate_fleet() -> None:
    fleet_evaluator().tick()
