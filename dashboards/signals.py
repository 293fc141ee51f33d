import logging

import redis
from django.conf import settings
from django.db.models.signals import post_delete
from django.dispatch import receiver

from collectors.sample_store import StoreKeys
from dashboards.fleet import remember_removal
from dashboards.models import Host

log = logging.getLogger(__name__)


@receiver(post_delete, sender=Host)
def forget_removed_host(sender: type, instance: Host, **kwargs: object) -> None:
    """A host removed in the admin stays removed while its current agent keeps running."""
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5)
    try:
        remember_removal(client, StoreKeys(settings.MONITOR_REDIS_PREFIX), instance.name)
    except (redis.RedisError, OSError) as exc:
        log.warning(
            "host %s removed, but Redis did not take note (%s): its agent may re-register",
            instance.name,
            exc,
        )
