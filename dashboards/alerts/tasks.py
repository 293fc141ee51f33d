"""The alert evaluator's Celery task, run on the central queue every interval (beside the
fleet's): a thin wrapper around evaluator.py."""

import functools
import logging

from celery import shared_task
from django.conf import settings

from core.layer import LayerPublisher
from core.redis_clients import redis_client
from core.redis_keys import redis_keys
from dashboards.alerts.evaluator import AlertEvaluator

EVALUATE_ALERTS_TASK = "alerts.evaluate"
log = logging.getLogger(__name__)


@functools.cache
def alert_evaluator() -> AlertEvaluator:
    # Kept for the life of the evaluator process: it remembers every active alert's state.
    keys = redis_keys(settings.MONITOR_REDIS_PREFIX)
    return AlertEvaluator(redis_client(settings.REDIS_URL), keys, LayerPublisher(keys.layer_prefix))


@shared_task(name=EVALUATE_ALERTS_TASK, ignore_result=True)
def evaluate_alerts() -> None:
    alert_evaluator().tick()
