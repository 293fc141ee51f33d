"""Rules and silences changed in the admin (or anywhere): the evaluator reloads them at its
next tick, told by a counter in Redis it reads with the tick's other keys."""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core.redis_clients import REDIS_ERRORS, redis_client
from core.redis_keys import redis_keys
from dashboards.alerts.models import AlertRule, Silence

log = logging.getLogger(__name__)


def announce_config_change() -> None:
    def bump() -> None:
        try:
            client = redis_client(settings.REDIS_URL)
            client.incr(redis_keys(settings.MONITOR_REDIS_PREFIX).alert_config)
        except REDIS_ERRORS as exc:
            # The evaluator also reloads every CONFIG_RELOAD_S, so the change is not lost.
            log.warning("alert rules changed, but Redis did not take note (%s)", exc)

    transaction.on_commit(bump)


@receiver(post_save, sender=AlertRule)
@receiver(post_delete, sender=AlertRule)
@receiver(post_save, sender=Silence)
@receiver(post_delete, sender=Silence)
def config_changed(sender, **kwargs) -> None:
    announce_config_change()
