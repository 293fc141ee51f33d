"""History's Celery tasks, on the history queue (queues.py): thin wrappers around writer.py.

Beat sends each more often than its period needs, each expiring before the next is sent: a run
that is missed or late is caught up by the next one (the writer starts from what the database
holds), so nothing queues up behind a stopped worker.
"""

import functools
import logging
import time

from celery import shared_task
from django.conf import settings

from core.outages import OutageLog
from core.redis_clients import REDIS_ERRORS, redis_client
from core.redis_keys import redis_keys
from dashboards.history import writer
from dashboards.history.queues import HISTORY_QUEUE

ROLL_MINUTES_TASK = "history.roll_minutes"
ROLL_HOURS_TASK = "history.roll_hours"
PRUNE_TASK = "history.prune"
# A minute's row lands within this long of the minute being complete.
ROLL_MINUTES_EVERY_S = 20.0
ROLL_HOURS_EVERY_S = 300.0
PRUNE_EVERY_S = 3600.0
log = logging.getLogger(__name__)
_store_outage = OutageLog(log, "rolling up the recent store")


def history_schedule() -> dict:
    """Beat's entries for the rollups and their pruning."""

    def entry(task: str, every: float) -> dict:
        options = {"queue": HISTORY_QUEUE, "expires": every, "ignore_result": True}
        return {"task": task, "schedule": every, "options": options}

    return {
        "history-roll-minutes": entry(ROLL_MINUTES_TASK, ROLL_MINUTES_EVERY_S),
        "history-roll-hours": entry(ROLL_HOURS_TASK, ROLL_HOURS_EVERY_S),
        "history-prune": entry(PRUNE_TASK, PRUNE_EVERY_S),
    }


@functools.cache
def _store():
    return redis_client(settings.REDIS_URL), redis_keys(settings.MONITOR_REDIS_PREFIX)


@shared_task(name=ROLL_MINUTES_TASK, ignore_result=True)
def roll_minutes() -> None:
    client, keys = _store()
    try:
        writer.roll_minutes(client, keys, time.time(), settings.MONITOR_RECENT_SECONDS)
    except REDIS_ERRORS as exc:
        # Redis away: no samples to roll, and its minutes are a gap (the screens say so too).
        _store_outage.failed(exc)
        return
    _store_outage.succeeded()


@shared_task(name=ROLL_HOURS_TASK, ignore_result=True)
def roll_hours() -> None:
    writer.roll_hours(time.time(), settings.MONITOR_ROLLUP_MINUTE_DAYS)


@shared_task(name=PRUNE_TASK, ignore_result=True)
def prune() -> None:
    writer.prune(
        time.time(), settings.MONITOR_ROLLUP_MINUTE_DAYS, settings.MONITOR_ROLLUP_HOUR_DAYS
    )
