import logging

from django.conf import settings
from django.db.models.signals import post_delete
from django.dispatch import receiver

from core.redis_clients import REDIS_ERRORS, redis_client
from core.redis_keys import redis_keys
from dashboards.fleet.models import Host
from dashboards.fleet.registrations import remember_removal

log = logging.getLogger(__name__)


@receiver(post_delete, sender=Host)
def forget_removed_host(sender: type, instance: Host, **kwargs: object) -> None:
    """A host removed in the admin stays removed while its current agent keeps running."""
    client = redis_client(settings.REDIS_URL)
    try:
        remember_removal(client, redis_keys(settings.MONITOR_REDIS_PREFIX), instance.name)
    except REDIS_ERRORS as exc:
        log.warning(
            "host %s removed, but Redis did not take note (%s): its agent may re-register",
            instance.name,
            exc,
        )
