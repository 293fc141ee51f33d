"""Notifications out on real parts: Redis, Daphne, the simulator, beat, the evaluator and the
notifier, delivering to receivers the test runs itself: an HTTP server for the webhook, another
for apprise's json:// scheme, and an SMTP server (aiosmtpd).

An alert is fired by our own rules (`manage.py alerts force` drives the simulated host's CPU) and
must reach every receiver, its resolution too; a receiver that answers 503 gets the message once
it is back; a notifier killed while the receiver holds its request delivers it after a restart,
under one Idempotency-Key. Latency from the alert's event to the receiver is printed, never
asserted (machines are noisy).
"""

import json
import logging
import signal
import time
from collections import Counter

import jsonschema
import pytest
from aiosmtpd.controller import Controller

from tests.dashboards.notify.receivers import Receiver
from tests.dashboards.notify.test_payload import ALERTMANAGER_V4
from tests.live.stack import Stack, wait_until
from tests.services import free_port

pytestmark = pytest.mark.live

RULES = {
    "rules": [
        {"name": "sim-cpu", "metric": "cpu.percent", "hosts": ["sim-001"], "op": ">",
         "warning": 90, "critical": 97, "for": "0s", "clear": 50,
         "summary": "CPU {value}% on {host}"},
    ]
}  # fmt: skip


class Mailbox:
    """aiosmtpd's handler: every message the SMTP server took, with when it arrived."""

    def __init__(self) -> None:
        self.messages: list[dict] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append({"at": time.time(), "to": envelope.rcpt_tos,
                              "text": envelope.content.decode(errors="replace")})  # fmt: skip
        return "250 OK"


@pytest.fixture(scope="module")
def receivers():
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's every SMTP line
    webhook, chat, mailbox = Receiver(), Receiver(), Mailbox()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    yield webhook, chat, mailbox, smtp.port
    smtp.stop()
    webhook.close()
    chat.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, test_redis, redis_prefix, receivers):
    webhook, chat, _, smtp_port = receivers
    workdir = tmp_path_factory.mktemp("notify")
    stack = Stack(
        workdir, test_redis.url, f"{redis_prefix}-notify", EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port), DEFAULT_FROM_EMAIL="monitor@example.com",
        MONITOR_NOTIFY_FIRST_RETRY_S="1",
    )  # fmt: skip
    stack.prepare()
    (workdir / "rules.json").write_text(json.dumps(RULES))
    stack.manage("alerts", "import", str(workdir / "rules.json"), "--prune")
    timing = {"group_wait": "0s", "group_interval": "1s", "repeat_interval": "1h"}
    notify = {
        "contact_points": [
            {"name": "hook", "kind": "webhook", "url": webhook.url, "timeout": "5s",
             "bearer_token": "hook-token"},
            {"name": "chat", "kind": "apprise", "urls": [f"json://127.0.0.1:{chat.port}/"]},
            {"name": "mail", "kind": "email", "to": ["oncall@example.com"]},
        ],
        "default_route": {"contact_points": ["hook", "chat", "mail"], **timing},
    }  # fmt: skip
    (workdir / "notify.json").write_text(json.dumps(notify))
    assert "3 created" in stack.manage("notify", "import", str(workdir / "notify.json"))
    stack.start_central()
    stack.start("simulator", "simulate_hosts", "1", "--prefix", "sim")
    try:
        stack.wait_healthy(hosts_up=1)
        yield stack
    finally:
        stack.stop_all()


def force(stack: Stack, value: float) -> None:
    stack.manage("alerts", "force", "sim-001", "cpu.percent", str(value), "--for", "5m")


def alert_id(payload_alert: dict) -> int:
    return int(payload_alert["generatorURL"].rstrip("/").rsplit("/", 1)[1])


def told(receiver: Receiver, status: str, after: int = 0) -> dict | None:
    """The first request telling of a sim-cpu alert with this status, among those that came
    after the first ``after`` (a test's own, not an earlier test's)."""
    for request in list(receiver.requests)[after:]:
        body = request["body"] or {}
        for alert in body.get("alerts", []):
            if alert["labels"]["alertname"] == "sim-cpu" and alert["status"] == status:
                return {**request, "alert_id": alert_id(alert)}
    return None


def requests_for(receiver: Receiver, alert: int, status: str = "firing") -> list[dict]:
    """Every request that told of ``alert`` with this status."""
    return [
        r for r in list(receiver.requests)
        if r["body"] and any(alert_id(a) == alert and a["status"] == status
                             for a in r["body"]["alerts"])
    ]  # fmt: skip


def event_time(stack: Stack, alert: int, event: str) -> float:
    return float(stack.shell(
        "from dashboards.alerts.models import AlertEvent; "
        f"print(AlertEvent.objects.filter(alert_id={alert}, event='{event}').latest('id')"
        ".at.timestamp())"
    ))  # fmt: skip


def notifications(stack: Stack, alert: int) -> list[dict]:
    return json.loads(stack.shell(
        "import json; from dashboards.notify.models import Notification; "
        f"print(json.dumps([{{'target': n.target, 'status': n.status, 'told': "
        f"n.payload['status'], 'key': n.key, 'attempts': [[a.status, a.http_status, a.error] "
        f"for a in n.delivery_attempts.all()]}} for n in Notification.objects.filter("
        f"alerts__id={alert}).order_by('id')]))"
    ))  # fmt: skip


@pytest.fixture
def earlier(receivers) -> int:
    """How many requests the webhook had before this test: the test looks at its own only."""
    return len(receivers[0].requests)


def test_a_fired_alert_and_its_resolution_reach_webhook_apprise_and_email(
    stack, receivers, earlier
):
    webhook, chat, mailbox, _ = receivers
    force(stack, 99)
    fired = wait_until(lambda: told(webhook, "firing", earlier), 60, "the webhook's firing message")
    alert = fired["alert_id"]
    jsonschema.validate(fired["body"], ALERTMANAGER_V4)
    assert fired["headers"]["Authorization"] == "Bearer hook-token"
    assert fired["body"]["receiver"] == "hook" and fired["body"]["status"] == "firing"
    assert fired["body"]["alerts"][0]["labels"]["host"] == "sim-001"
    assert fired["body"]["alerts"][0]["generatorURL"] == f"{stack.base_url}/alerts/{alert}/"
    chat_msg = wait_until(lambda: chat.requests, 30, "apprise's json:// message")[0]
    assert "[FIRING:1]" in chat_msg["body"]["title"]
    assert "CPU 99% on sim-001" in chat_msg["body"]["message"]
    mail = wait_until(lambda: mailbox.messages, 30, "the e-mail")[0]
    assert mail["to"] == ["oncall@example.com"] and "[FIRING:1] sim-cpu sim-001" in mail["text"]

    fired_at = event_time(stack, alert, "fired")
    latencies = {"webhook": fired, "apprise": chat_msg, "e-mail": mail}
    print(
        "\ndelivery latency, fired event -> receiver: "
        + ", ".join(f"{k} {v['at'] - fired_at:.2f} s" for k, v in latencies.items())
    )

    force(stack, 10)
    resolved = wait_until(lambda: told(webhook, "resolved", earlier), 60, "the resolution")
    assert resolved["alert_id"] == alert and resolved["body"]["status"] == "resolved"
    jsonschema.validate(resolved["body"], ALERTMANAGER_V4)
    assert resolved["body"]["alerts"][0]["endsAt"] != "0001-01-01T00:00:00Z"
    wait_until(lambda: len(mailbox.messages) >= 2, 30, "the resolution by e-mail")
    wait_until(lambda: len(chat.requests) >= 2, 30, "the resolution through apprise")
    print(f"delivery latency, resolved event -> webhook: "
          f"{resolved['at'] - event_time(stack, alert, 'resolved'):.2f} s")  # fmt: skip
    sent = notifications(stack, alert)
    assert sorted((n["target"], n["told"], n["status"]) for n in sent) == [
        ("chat", "firing", "delivered"), ("chat", "resolved", "delivered"),
        ("hook", "firing", "delivered"), ("hook", "resolved", "delivered"),
        ("mail", "firing", "delivered"), ("mail", "resolved", "delivered"),
    ]  # fmt: skip


def test_a_receiver_that_is_down_gets_it_once_when_it_is_back(stack, receivers, earlier):
    webhook = receivers[0]
    webhook.status = 503
    force(stack, 99)
    refused = wait_until(lambda: told(webhook, "firing", earlier), 60, "a first try")
    alert = refused["alert_id"]

    def tries() -> list[dict]:
        return requests_for(webhook, alert)

    wait_until(lambda: len(tries()) >= 2, 60, "a retry")
    webhook.status = 200

    def delivered() -> list[dict]:
        hook = [n for n in notifications(stack, alert) if n["target"] == "hook"]
        return hook if any(n["status"] == "delivered" for n in hook) else []

    # The database's record is written after the receiver answered: once it says delivered,
    # every attempt there was is in it, and in the receiver's list.
    hook = wait_until(delivered, 60, "the delivery", step=0.5)
    assert len(hook) == 1
    attempts = hook[0]["attempts"]
    assert Counter(a[0] for a in attempts)["ok"] == 1
    assert len({r["headers"]["Idempotency-Key"] for r in tries()}) == 1
    assert attempts[-1][:2] == ["ok", 200] and len(attempts) >= 3
    assert all(a[:2] == ["error", 503] for a in attempts[:-1])
    print(f"\n{len(attempts) - 1} failed attempts recorded before the delivery")
    force(stack, 10)
    wait_until(lambda: requests_for(webhook, alert, "resolved"), 60, "the resolution")


def test_a_notifier_killed_mid_request_delivers_after_a_restart_under_one_key(
    stack, receivers, earlier
):
    webhook = receivers[0]
    webhook.hold.clear()
    force(stack, 99)
    held = wait_until(lambda: told(webhook, "firing", earlier), 60, "the request to hold")
    alert = held["alert_id"]
    stack.stop("notifier", signal.SIGKILL)
    webhook.hold.set()
    stack.start("notifier")

    def delivered() -> list[dict]:
        hook = [n for n in notifications(stack, alert) if n["target"] == "hook"]
        return hook if hook and hook[0]["status"] == "delivered" else []

    hook = wait_until(delivered, 90, "the delivery after the restart", step=0.5)
    requests = requests_for(webhook, alert)
    assert len(requests) >= 2  # the held one, then the one after the restart
    assert len({r["headers"]["Idempotency-Key"] for r in requests}) == 1
    assert len(hook) == 1
    attempts = hook[0]["attempts"]
    assert attempts[0][0] == "error" and attempts[0][2].startswith("lost:")
    assert attempts[-1][:2] == ["ok", 200]
    print(f"\nredelivered {requests[-1]['at'] - requests[0]['at']:.1f} s after the lost attempt "
          "(the lease: timeout 5 s + 10 s)")  # fmt: skip
    force(stack, 10)
    wait_until(lambda: requests_for(webhook, alert, "resolved"), 60, "the resolution")
