"""Collection rounds, sent by beat itself: every interval, one `collect` per dispatchable host,
straight to that host's agent queue.

Beat used to send a task to the evaluator, which sent the collects; behind a slow evaluation
(200 simulated hosts) those tasks expired unseen, no collect went out, and a healthy host showed
down for half a minute. Now a collection round needs Redis and beat only. A round that cannot be
sent (Redis unreachable) is counted in Redis once it answers again, and logged once per outage.
"""

import logging
import time

from celery.beat import PersistentScheduler
from django.conf import settings
from kombu.exceptions import OperationalError

from core import forcing
from core.collection import COLLECT_TASK, agent_queue
from core.outages import OutageLog
from core.redis_clients import REDIS_ERRORS, redis_client
from core.redis_keys import RedisKeys, redis_keys

log = logging.getLogger(__name__)

COLLECT_ROUND_ENTRY = "collect-round"
COLLECT_ROUND_TASK = "fleet.collect_round"  # never sent: beat's scheduler carries it out
SEND_ERRORS = (*REDIS_ERRORS, OperationalError)


def send_round(app, client, keys: RedisKeys, interval: float, producer=None) -> int:
    """Number a round and send its `collect` to every dispatchable host; returns how many."""
    pipe = client.pipeline(transaction=False)
    pipe.smembers(keys.dispatch)
    pipe.incr(keys.tick)
    pipe.hgetall(keys.forced)
    members, tick, forced_raw = pipe.execute()
    names = sorted(name.decode() for name in members)
    forced = forcing.parse(forced_raw, time.time())[0] if forced_raw else {}
    with app.producer_or_acquire(producer) as producer:
        for name in names:
            kwargs = {"interval": interval, "tick": tick}
            if name in forced:
                kwargs["forced"] = forced[name]
            app.send_task(
                COLLECT_TASK,
                kwargs=kwargs,
                queue=agent_queue(name),
                expires=interval,
                ignore_result=True,
                producer=producer,
            )
    return len(names)


class DispatchingScheduler(PersistentScheduler):
    """Beat's scheduler: sends collection rounds itself, the other entries as usual, and says
    once when Redis is gone (instead of a traceback per entry per second)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._outage = OutageLog(log, "beat's scheduled sends")
        self._unsent_rounds = 0

    def apply_entry(self, entry, producer=None) -> None:
        try:
            if entry.name == COLLECT_ROUND_ENTRY:
                client = redis_client(settings.REDIS_URL)
                keys = redis_keys(settings.MONITOR_REDIS_PREFIX)
                send_round(self.app, client, keys, settings.MONITOR_INTERVAL, producer)
                self._record_unsent(client, keys)
            else:
                self.apply_async(entry, producer=producer, advance=False)
        except Exception as exc:
            if not _is_unreachable(exc):
                raise
            if entry.name == COLLECT_ROUND_ENTRY:
                self._unsent_rounds += 1
            self._outage.failed(exc)
        else:
            self._outage.succeeded()

    def _record_unsent(self, client, keys: RedisKeys) -> None:
        if self._unsent_rounds:
            client.incrby(keys.collect_rounds_unsent, self._unsent_rounds)
            log.warning("%d collection rounds could not be sent", self._unsent_rounds)
            self._unsent_rounds = 0


def _is_unreachable(exc: BaseException) -> bool:
    """Redis or the broker could not be reached (beat wraps the broker's errors in its own)."""
    while exc is not None:
        if isinstance(exc, SEND_ERRORS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False
