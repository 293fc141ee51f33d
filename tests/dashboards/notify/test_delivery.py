"""Delivery on a real database to a real HTTP receiver: one attempt recorded per try, retries
with backoff until the window closes, a delivered notification never sent again, and the
transports' contracts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboards.notify import delivery
from dashboards.notify.delivery import DELIVERED, FAILED, RETRY, SKIPPED, deliver, send_test
from dashboards.notify.grouping import key_hash
from dashboards.notify.models import Notification
from dashboards.notify.payload import webhook_payload
from tests.dashboards.notify.conftest import contact_point
from tests.dashboards.notify.receivers import Receiver
from tests.dashboards.notify.test_payload import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver():
    made = Receiver()
    yield made
    made.close()


def notification(target, created=None, digest="h") -> Notification:
    now = created or timezone.now()
    key = f"{target.id:031d}{digest}"
    payload = webhook_payload([record()], receiver=target.name, group_key="g:{}",
                              group_labels={}, external_url="http://x")  # fmt: skip
    return Notification.objects.create(
        contact_point=target, target=target.name, group_key="g:{}", group_hash=key_hash("g:{}"),
        content_hash=digest * 64, key=key, payload=payload, created_at=now, next_attempt_at=now,
    )  # fmt: skip


def test_a_webhook_gets_the_payload_with_its_idempotency_key_and_auth(receiver):
    target = contact_point(url=receiver.url, bearer_token="s3cret", timeout="2s")
    sent = notification(target)
    assert deliver(sent.id).result == DELIVERED
    got = receiver.requests[0]
    assert got["body"] == sent.payload
    assert got["headers"]["Idempotency-Key"] == sent.key
    assert got["headers"]["Authorization"] == "Bearer s3cret"
    sent.refresh_from_db()
    assert (sent.status, sent.attempts, sent.delivered_at is not None) == ("delivered", 1, True)
    attempt = sent.delivery_attempts.get()
    assert (attempt.status, attempt.http_status) == ("ok", 200)
    assert deliver(sent.id).result == SKIPPED and len(receiver.requests) == 1


def test_a_503_is_retried_with_backoff_and_each_attempt_is_recorded(receiver, settings):
    settings.MONITOR_NOTIFY_FIRST_RETRY_S = 4
    receiver.status = 503
    sent = notification(contact_point(url=receiver.url))
    now = timezone.now()
    outcome = deliver(sent.id, now=now, rand=lambda: 1.0)
    assert outcome == delivery.Outcome(RETRY, 4.0)
    # Not due yet: a second worker (or a requeue) does nothing.
    assert deliver(sent.id, now=now + timedelta(seconds=3)).result == SKIPPED
    later = now + timedelta(seconds=5)
    assert deliver(sent.id, now=later, rand=lambda: 1.0) == delivery.Outcome(RETRY, 8.0)
    receiver.status = 200
    assert deliver(sent.id, now=later + timedelta(seconds=9)).result == DELIVERED
    sent.refresh_from_db()
    assert [a.http_status for a in sent.delivery_attempts.all()] == [503, 503, 200]
    assert sent.attempts == 3 and "HTTP 503" in sent.last_error


def test_past_the_retry_window_it_has_failed(receiver, settings):
    settings.MONITOR_NOTIFY_RETRY_WINDOW_S = 60
    receiver.status = 503
    sent = notification(contact_point(url=receiver.url), timezone.now() - timedelta(seconds=59))
    assert deliver(sent.id).result == FAILED
    sent.refresh_from_db()
    assert sent.status == "failed" and sent.attempts == 1


def test_a_4xx_is_final_and_a_closed_port_is_retried(receiver):
    receiver.status = 404
    assert deliver(notification(contact_point(url=receiver.url)).id).result == FAILED
    closed = notification(contact_point("closed", url="http://127.0.0.1:9/"))
    assert deliver(closed.id).result == RETRY
    assert "ConnectionError" in Notification.objects.get(id=closed.id).last_error


def test_a_connection_error_names_the_host_never_the_url_path_that_holds_the_secret():
    closed = notification(contact_point("slack", url="http://127.0.0.1:9/services/T0/B0/s3cret"))
    deliver(closed.id)
    error = Notification.objects.get(id=closed.id).last_error
    assert error == "ConnectionError connecting to 127.0.0.1"


def test_the_test_action_sends_through_the_same_path_and_records_it(receiver):
    sent = send_test(contact_point(url=receiver.url))
    assert sent.status == "delivered" and sent.is_test
    assert receiver.requests[0]["body"]["alerts"][0]["labels"]["alertname"] == "test-notification"


def test_apprise_json_reaches_a_local_endpoint(receiver):
    target = contact_point("chat", kind="apprise", urls=[f"json://127.0.0.1:{receiver.port}/"])
    assert deliver(notification(target).id).result == DELIVERED
    body = receiver.requests[0]["body"]
    assert body["title"] == "[FIRING:1]" and "disk-full on db1" in body["message"]
