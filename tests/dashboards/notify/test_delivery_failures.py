"""Delivery when things go wrong: messages of one group kept in order, a worker that outlived
its lease, a send held to its deadline, an unexpected exception, a lost lease, the database
failing after the send, and transports' final answers."""

import smtplib
import time
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from dashboards.notify import delivery, upkeep
from dashboards.notify.deadline import call_with_deadline
from dashboards.notify.delivery import DELIVERED, FAILED, RETRY, SKIPPED, Attempt, deliver
from dashboards.notify.models import DeliveryAttempt, Notification
from dashboards.notify.transports import Message, TransportError, email
from tests.dashboards.notify.conftest import contact_point
from tests.dashboards.notify.receivers import Receiver
from tests.dashboards.notify.test_delivery import notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    made = Receiver()
    yield made
    made.close()


def test_an_older_message_of_its_group_is_never_sent_once_a_newer_one_exists(receiver):
    target = contact_point(url=receiver.url)
    firing, resolved = notification(target, digest="a"), notification(target, digest="b")
    assert deliver(firing.id).result == SKIPPED
    firing.refresh_from_db()
    assert firing.status == "superseded" and f"notification {resolved.id}" in firing.last_error
    assert deliver(resolved.id).result == DELIVERED and len(receiver.requests) == 1


def test_a_newer_message_waits_while_an_older_one_is_on_its_way(receiver):
    target = contact_point(url=receiver.url)
    older, newer = notification(target, digest="a"), notification(target, digest="b")
    Notification.objects.filter(id=older.id).update(
        status="sending", lease_until=timezone.now() + timedelta(seconds=30)
    )
    assert deliver(newer.id).result == SKIPPED
    newer.refresh_from_db()
    assert newer.status == "pending" and newer.queued_at is None  # the next tick queues it


def test_a_worker_that_outlived_its_lease_cannot_record_over_the_next_one(receiver):
    sent = notification(contact_point(url=receiver.url))
    now = timezone.now()
    stale = delivery._claim(sent, now)
    later = now + timedelta(minutes=1)
    assert upkeep.requeue(later) == [sent.id]  # the lease ran out: recorded lost
    assert deliver(sent.id, now=later).result == DELIVERED
    late = delivery._record(sent, stale, Attempt(error="HTTP 503"), later, lambda: 1.0)
    assert late.result == SKIPPED
    sent.refresh_from_db()
    assert sent.status == "delivered" and sent.attempts == 2
    assert [a.status for a in sent.delivery_attempts.all()] == ["error", "ok"]
    assert sent.delivery_attempts.first().error == upkeep.LOST


def test_a_lost_lease_past_the_retry_window_has_failed(settings):
    settings.MONITOR_NOTIFY_RETRY_WINDOW_S = 60
    sent = notification(contact_point(), created=timezone.now() - timedelta(seconds=120))
    Notification.objects.filter(id=sent.id).update(
        status="sending", lease_until=timezone.now() - timedelta(seconds=1)
    )
    assert upkeep.requeue(timezone.now()) == []
    sent.refresh_from_db()
    assert sent.status == "failed" and sent.attempts == 1 and sent.last_error == upkeep.LOST


def test_a_receiver_trickling_its_answer_is_held_to_the_timeout_in_all(receiver):
    receiver.hold.clear()
    sent = notification(contact_point(url=receiver.url, timeout="1s"))
    started = time.monotonic()
    assert deliver(sent.id).result == RETRY
    assert time.monotonic() - started < 3
    assert "no answer within 1 s" in Notification.objects.get(id=sent.id).last_error


def test_a_call_past_its_deadline_raises_timeout_error():
    with pytest.raises(TimeoutError):
        call_with_deadline(time.sleep, 0.1, 5)
    assert call_with_deadline(sum, 1, [1, 2]) == 3


def test_an_unexpected_exception_is_a_failure_that_is_retried_not_a_lost_send():
    # Stored around the checks: requests cannot put it in a header (UnicodeEncodeError).
    sent = notification(contact_point(url="http://127.0.0.1:9/", bearer_token="s3cr\u2019t"))
    assert deliver(sent.id).result == RETRY
    sent.refresh_from_db()
    assert sent.status == "pending" and sent.lease_token == ""
    assert sent.last_error.startswith("UnicodeEncodeError") and "s3cr" not in sent.last_error


def test_a_database_error_after_the_send_is_retried_without_sending_again(receiver, monkeypatch):
    sent = notification(contact_point(url=receiver.url))
    real, failures = DeliveryAttempt.objects.create, []

    def create(**fields):
        if not failures:
            failures.append(1)
            raise OperationalError("database is locked")
        return real(**fields)

    monkeypatch.setattr(DeliveryAttempt.objects, "create", create)
    monkeypatch.setattr(delivery.time, "sleep", lambda s: None)
    assert deliver(sent.id).result == DELIVERED
    assert len(receiver.requests) == 1 and sent.delivery_attempts.count() == 1


def test_every_recipient_refused_for_good_is_a_final_answer(monkeypatch):
    def refuse(self):
        raise smtplib.SMTPRecipientsRefused({"ops@example.com": (550, b"no such user")})

    monkeypatch.setattr(email.EmailMessage, "send", refuse)
    with pytest.raises(TransportError) as refused:
        email.send({"to": ["ops@example.com"]}, Message({}, "t", "b", "k"))
    assert refused.value.permanent and "550 no such user" in refused.value.message


def test_an_apprise_failure_names_only_the_urls_schemes(monkeypatch):
    target = contact_point("chat", kind="apprise", urls=["json://127.0.0.1:9/t0ken"])
    sent = notification(target)
    assert deliver(sent.id).result in (RETRY, FAILED)
    error = Notification.objects.get(id=sent.id).last_error
    assert "t0ken" not in error and "json://" in error
