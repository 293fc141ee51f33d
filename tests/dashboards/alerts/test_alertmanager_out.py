"""Acknowledging an Alertmanager alert silences it in that Alertmanager: a fake Alertmanager
in a thread of the test takes the API v2 calls (the one point mocked: the HTTP server), and the
plain function the notifier's task wraps is called directly."""

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from dashboards.alerts import alertmanager_out, responses
from dashboards.alerts.alertmanager_out import AlertmanagerError, silence_body, sync_silence
from dashboards.alerts.models import Alert, AlertEvent, fingerprint
from tests.monitor.test_settings import manage_check
from tests.services import free_port

pytestmark = pytest.mark.django_db
LABELS = {"alertname": "NodeDown", "instance": "db1:9100", "severity": "critical", "job": "node"}


class FakeAlertmanager:
    """The API v2 calls we make, answered from memory; ``status`` set to fail them all."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict | None]] = []
        self.silences: dict[str, dict] = {}
        self.alerts: list[dict] = [{"labels": LABELS, "status": {"state": "suppressed"}}]
        self.uptime = "2020-01-01T00:00:00.000Z"
        self.status = 200
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self, method: str) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length)) if length else None
                fake.requests.append((method, self.path, body))
                status, reply = fake.reply(method, self.path.split("?")[0], body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(reply).encode() if reply is not None else b"")

            def do_GET(self) -> None:
                self.answer("GET")

            def do_POST(self) -> None:
                self.answer("POST")

            def do_DELETE(self) -> None:
                self.answer("DELETE")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reply(self, method: str, path: str, body):
        if self.status != 200:
            return self.status, "unavailable"
        if (method, path) == ("POST", "/api/v2/silences"):
            silence_id = str(uuid.uuid4())
            self.silences[silence_id] = {**body, "status": {"state": "active"}}
            return 200, {"silenceID": silence_id}
        if (method, path) == ("GET", "/api/v2/alerts"):
            return 200, self.alerts
        if (method, path) == ("GET", "/api/v2/status"):
            return 200, {"uptime": self.uptime}
        silence_id = path.rsplit("/", 1)[1]
        if silence_id not in self.silences:
            return 500, "silence not found"
        if method == "DELETE":
            self.silences[silence_id]["status"]["state"] = "expired"
            return 200, None
        return 200, self.silences[silence_id]

    def calls(self, method: str) -> list[tuple[str, dict | None]]:
        return [(path, body) for m, path, body in self.requests if m == method]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def alertmanager(live_settings):
    fake = FakeAlertmanager()
    live_settings.MONITOR_ALERTMANAGER_URL = fake.url
    yield fake
    fake.close()


@pytest.fixture
def oncall() -> User:
    made = User.objects.create_user("oncall", password="not-used-1")
    made.groups.add(Group.objects.get(name="responder"))
    return made


def taken_in(source: str = "alertmanager") -> Alert:
    now = timezone.now()
    # As alertmanager_in.py takes it in: its identity is its whole label set.
    identity = fingerprint(source, "", LABELS) if source == "alertmanager" else uuid.uuid4().hex
    return Alert.objects.create(
        fingerprint=identity[:16], rule="NodeDown", host="db1", source=source,
        state="firing", severity="critical", summary="db1 is down", started_at=now,
        fired_at=now, updated_at=now,
        external={"labels": LABELS, "annotations": {"summary": "db1 is down"},
                  "generator_url": "http://prometheus:9090/graph", "fingerprint": "abc"},
    )  # fmt: skip


def acked(alert: Alert, user: User, captured, comment=None) -> None:
    with captured(execute=False) as callbacks:
        responses.acknowledge(user, alert.id, comment)
    assert len(callbacks) == 1  # the silence is queued after the commit, nothing more


def test_the_silence_matches_exactly_the_alerts_labels_for_four_hours():
    now = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)

    body = silence_body(LABELS, "oncall", "", now)

    assert body["matchers"] == [
        {"name": name, "value": LABELS[name], "isRegex": False, "isEqual": True}
        for name in sorted(LABELS)
    ]
    assert body["startsAt"] == "2025-05-01T12:00:00+00:00"
    assert body["endsAt"] == "2025-05-01T16:00:00+00:00"
    assert (body["createdBy"], body["comment"]) == ("oncall", "acknowledged in Live Monitor")


def test_an_ack_silences_the_alert_in_its_alertmanager(
    alertmanager, oncall, django_capture_on_commit_callbacks
):
    alert = taken_in()
    acked(alert, oncall, django_capture_on_commit_callbacks, "rebooting it")

    watched = sync_silence(alert.id)

    [(path, body)] = alertmanager.calls("POST")
    assert path == "/api/v2/silences"
    assert {m["name"]: m["value"] for m in body["matchers"]} == LABELS
    assert all(m["isEqual"] and not m["isRegex"] for m in body["matchers"])
    assert (body["createdBy"], body["comment"]) == ("oncall", "rebooting it")
    starts, ends = datetime.fromisoformat(body["startsAt"]), datetime.fromisoformat(body["endsAt"])
    assert abs(starts - timezone.now()) < timedelta(seconds=10)
    assert ends - starts == alertmanager_out.SILENCE_FOR
    alert.refresh_from_db()
    assert watched == alert.external["silence_id"] and watched in alertmanager.silences
    assert alert.external["labels"] == LABELS  # the rest of what Alertmanager said is kept
    ack = AlertEvent.objects.get(alert=alert, event="acked")
    assert ack.detail["alertmanager_silence"] == watched
    # Asked again (a retried task), it makes no second silence.
    assert sync_silence(alert.id) is None and len(alertmanager.calls("POST")) == 1


def test_an_unack_expires_the_silence(alertmanager, oncall, django_capture_on_commit_callbacks):
    alert = taken_in()
    acked(alert, oncall, django_capture_on_commit_callbacks)
    silence_id = sync_silence(alert.id)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        responses.unacknowledge(oncall, alert.id)
    assert len(callbacks) == 1

    assert sync_silence(alert.id) is None

    assert alertmanager.calls("DELETE") == [(f"/api/v2/silence/{silence_id}", None)]
    assert alertmanager.silences[silence_id]["status"]["state"] == "expired"
    alert.refresh_from_db()
    assert alert.external["silence_id"] is None
    unack = AlertEvent.objects.get(alert=alert, event="unacked")
    assert unack.detail["alertmanager_silence_expired"] == silence_id
    # The watch that was running stops without asking Alertmanager anything more.
    asked = len(alertmanager.requests)
    assert sync_silence(alert.id, watching=silence_id) is None
    assert [r[0] for r in alertmanager.requests[asked:]] == ["DELETE"]  # harmless, idempotent


def test_a_silenced_alert_still_in_alertmanager_is_watched_on(
    alertmanager, oncall, django_capture_on_commit_callbacks
):
    alert = taken_in()
    acked(alert, oncall, django_capture_on_commit_callbacks)
    silence_id = sync_silence(alert.id)

    assert sync_silence(alert.id, watching=silence_id) == silence_id
    alert.refresh_from_db()
    assert alert.resolved_at is None


def test_a_silenced_alert_gone_from_alertmanager_is_resolved_and_its_silence_expired(
    alertmanager, oncall, django_capture_on_commit_callbacks
):
    # A silence mutes our webhook too: Alertmanager never tells us this resolution itself.
    alert = taken_in()
    acked(alert, oncall, django_capture_on_commit_callbacks)
    silence_id = sync_silence(alert.id)
    alertmanager.alerts = []

    assert sync_silence(alert.id, watching=silence_id) is None

    alert.refresh_from_db()
    assert alert.state == "resolved" and alert.resolved_at is not None
    assert alert.external["generator_url"] == "http://prometheus:9090/graph"
    assert alertmanager.silences[silence_id]["status"]["state"] == "expired"
    resolved = AlertEvent.objects.get(alert=alert, event="resolved")
    assert resolved.detail["alertmanager_silence_expired"] == silence_id


def test_an_alertmanager_that_just_restarted_has_not_forgotten_the_alert_yet(
    alertmanager, oncall, django_capture_on_commit_callbacks
):
    alert = taken_in()
    acked(alert, oncall, django_capture_on_commit_callbacks)
    silence_id = sync_silence(alert.id)
    alertmanager.alerts = []  # it keeps alerts in memory only, silences on disk
    alertmanager.uptime = timezone.now().isoformat().replace("+00:00", "Z")

    assert sync_silence(alert.id, watching=silence_id) == silence_id
    alert.refresh_from_db()
    assert alert.resolved_at is None


def test_an_alertmanager_that_is_down_is_tried_again_and_the_ack_stands(
    alertmanager, oncall, django_capture_on_commit_callbacks
):
    alert = taken_in()
    alertmanager.status = 503
    acked(alert, oncall, django_capture_on_commit_callbacks)

    with pytest.raises(AlertmanagerError, match="HTTP 503"):
        sync_silence(alert.id)

    alert.refresh_from_db()
    assert alert.acked_at is not None and "silence_id" not in alert.external
    alertmanager.status = 200
    assert sync_silence(alert.id) in alertmanager.silences


def test_an_unreachable_alertmanager_is_an_alertmanager_error(live_settings):
    live_settings.MONITOR_ALERTMANAGER_URL = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(AlertmanagerError, match="POST /silences"):
        alertmanager_out.create_silence(silence_body(LABELS, "oncall", "", timezone.now()))


def test_our_own_rules_alerts_and_the_setting_off_ask_alertmanager_nothing(
    alertmanager, live_settings, oncall, django_capture_on_commit_callbacks
):
    ours = taken_in(source="rules")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        responses.acknowledge(oncall, ours.id)
    assert callbacks == [] and sync_silence(ours.id) is None

    live_settings.MONITOR_ALERTMANAGER_URL = ""
    theirs = taken_in()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        responses.acknowledge(oncall, theirs.id)
    assert callbacks == [] and sync_silence(theirs.id) is None
    assert alertmanager.requests == []


@pytest.mark.parametrize("url", ["alertmanager:9093", "ftp://alertmanager", "http://a/b?c=d"])
def test_a_bad_alertmanager_url_stops_startup(tmp_path, url):
    done = manage_check(tmp_path, MONITOR_ALERTMANAGER_URL=url)
    assert done.returncode != 0
    assert f"MONITOR_ALERTMANAGER_URL={url!r} is not an http:// or https:// URL" in done.stderr
