"""The alert evaluator's Celery task, run on the central queue every interval (beside the
fleet's): a thin wrapper around evaluator.py. And the notifier's task keeping an Alertmanager
alert's silence there in line with its acknowledgement: one around alertmanager_out.py."""

import functools
import logging
import random

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError
from kombu.exceptions import OperationalError

from core.layer import LayerPublisher
from core.redis_clients import REDIS_ERRORS, redis_client
from core.redis_keys import redis_keys
from dashboards.alerts import alertmanager_out
from dashboards.alerts.evaluator import AlertEvaluator
from dashboards.notify.queues import NOTIFY_QUEUE

EVALUATE_ALERTS_TASK = "alerts.evaluate"
SYNC_SILENCE_TASK = "alerts.sync_alertmanager_silence"  # on the notifier's queue
SEND_ERRORS = (*REDIS_ERRORS, OperationalError)
log = logging.getLogger(__name__)


@functools.cache
def alert_evaluator() -> AlertEvaluator:
    # Kept for the life of the evaluator process: it remembers every active alert's state.
    keys = redis_keys(settings.MONITOR_REDIS_PREFIX)
    return AlertEvaluator(redis_client(settings.REDIS_URL), keys, LayerPublisher(keys.layer_prefix))


@shared_task(name=EVALUATE_ALERTS_TASK, ignore_result=True)
def evaluate_alerts() -> None:
    alert_evaluator().tick()


def queue_silence_sync(alert_id: int, watching: str | None = None, countdown=None) -> None:
    """Hands the Alertmanager silence of an alert to the notifier (alertmanager_out.py)."""
    try:
        sync_alertmanager_silence.apply_async(
            (alert_id, watching), queue=NOTIFY_QUEUE, countdown=countdown
        )
    except SEND_ERRORS as exc:
        # The acknowledgement stands; the alert goes unsilenced in Alertmanager, as if the
        # setting were off.
        log.warning("alert %s: its Alertmanager silence was not queued: %s", alert_id, exc)


@shared_task(bind=True, name=SYNC_SILENCE_TASK, ignore_result=True, max_retries=30)
def sync_alertmanager_silence(self, alert_id: int, watching: str | None = None) -> None:
    try:
        silence_id = alertmanager_out.sync_silence(alert_id, watching)
    except (alertmanager_out.AlertmanagerError, DatabaseError) as exc:
        wait = min(300, 2 ** (self.request.retries + 1)) * (0.5 + random.random() / 2)
        log.warning("alert %s: Alertmanager silence, again in %.0f s: %s", alert_id, wait, exc)
        raise self.retry(countdown=wait) from None
    if silence_id is not None:
        queue_silence_sync(alert_id, silence_id, countdown=alertmanager_out.WATCH_S)
