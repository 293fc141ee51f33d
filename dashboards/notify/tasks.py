"""The notifications' Celery tasks, thin wrappers around dispatcher.py and delivery.py. The
dispatch tick runs on the evaluator's central queue (database only, never the network, and the
evaluator's single process runs one task at a time); deliveries run on the notify queue, in the
notifier's threads, where a slow receiver delays only other deliveries."""

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from dashboards.notify import delivery, dispatcher
from dashboards.notify.queues import DELIVER_TASK, DISPATCH_TASK, NOTIFY_QUEUE


def queue_delivery(notification_id: int) -> None:
    deliver_notification.apply_async((notification_id,), queue=NOTIFY_QUEUE)


@shared_task(name=DISPATCH_TASK, ignore_result=True)
def dispatch_notifications() -> None:
    # Queued after the tick committed; one that cannot be queued now is found again later.
    for notification_id in dispatcher.dispatch(timezone.now()):
        queue_delivery(notification_id)


@shared_task(
    bind=True, name=DELIVER_TASK, ignore_result=True,
    # Both matter only with a broker that acknowledges (the product's Redis transport runs
    # without: the row's lease and the dispatcher's requeue are what survive a dead worker).
    acks_late=True, reject_on_worker_lost=True,
    # The database away before the claim: nothing was sent, trying again is safe. After the
    # send, delivery.py retries its own record first; if that fails too the row keeps its
    # lease, which runs out, and the dispatcher sends it again (same Idempotency-Key), while
    # this retry finds the row held and does nothing.
    autoretry_for=(DatabaseError,), retry_backoff=2, retry_backoff_max=300, retry_jitter=True,
    max_retries=30,
)  # fmt: skip
def deliver_notification(self, notification_id: int) -> None:
    outcome = delivery.deliver(notification_id)
    if outcome.result == delivery.RETRY:
        raise self.retry(countdown=outcome.retry_in, max_retries=None)
