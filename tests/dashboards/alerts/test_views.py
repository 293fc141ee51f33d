"""`/alerts/`, an alert's page, and responding over HTTP: the role decides, the errors are JSON
with a stable shape."""

import json

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from dashboards.alerts.models import Alert, AlertEvent, Silence

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("live_settings")]


def signed_in(name: str, role: str | None) -> Client:
    user = User.objects.create_user(name, password="not-used-1")
    if role:
        user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alert() -> Alert:
    now = timezone.now()
    made = Alert.objects.create(
        fingerprint="a" * 16, rule="disk-full", host="db1", labels={"mount": "/var"},
        state="firing", severity="critical", value=97, summary="/var is 97% full on db1",
        started_at=now, fired_at=now, updated_at=now,
        top=[{"pid": 9, "name": "logrotate", "user": "root", "cpu_percent": 40, "mem_percent": 1}],
    )  # fmt: skip
    AlertEvent.objects.create(alert=made, event="fired", at=now, state="firing", value=97)
    return made


def test_the_list_shows_active_alerts_and_the_history_filters(alert):
    page = signed_in("v", "viewer").get("/alerts/", {"severity": "critical", "since": "24h"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "/var is 97% full on db1" in text and 'data-state="firing"' in text


def test_an_alerts_page_shows_its_timeline_and_what_was_running(alert):
    text = signed_in("v", "viewer").get(f"/alerts/{alert.id}/").content.decode()
    assert 'data-event="fired"' in text and "logrotate" in text
    form = f'action="/alerts/{alert.id}/ack"'
    assert form not in text  # a viewer is offered nothing to do
    assert form in signed_in("r", "responder").get(f"/alerts/{alert.id}/").content.decode()


def test_a_viewer_is_refused_over_http_with_a_json_error(alert):
    viewer = signed_in("v", "viewer")
    refused = viewer.post(f"/alerts/{alert.id}/ack", {"comment": "mine"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    silence = viewer.post(
        "/alerts/silences/", json.dumps({"host": "db1"}), content_type="application/json"
    )
    assert silence.status_code == 403 and not Silence.objects.exists()


def test_a_responder_acks_unacks_and_silences(alert):
    responder = signed_in("r", "responder")
    assert responder.post(f"/alerts/{alert.id}/ack", {"comment": "rotating"}).status_code == 302
    alert.refresh_from_db()
    assert alert.acked_by.username == "r" and alert.ack_comment == "rotating"
    assert responder.post(f"/alerts/{alert.id}/ack").json()["error"]["code"] == "already_acked"
    assert responder.post(f"/alerts/{alert.id}/unack").status_code == 302
    assert responder.post("/alerts/999/ack").status_code == 404
    made = responder.post(
        "/alerts/silences/",
        json.dumps({"host": "db1", "rule": "disk-full", "labels": {"mount": "/var"},
                    "duration_s": 3600, "comment": "resizing"}),
        content_type="application/json",
    )  # fmt: skip
    assert made.status_code == 201
    silence = Silence.objects.get(id=made.json()["id"])
    assert silence.matches("disk-full", "db1", {"mount": "/var"}) and silence.comment == "resizing"
    assert responder.post(f"/alerts/silences/{silence.id}/expire").status_code == 302
    silence.refresh_from_db()
    assert silence.ends_at <= timezone.now()


@pytest.mark.parametrize(
    "body",
    ["not json", "[1]", json.dumps({"host": "db1", "duration_s": 5}),
     json.dumps({"host": "db1", "duration_s": "1h"}), json.dumps({"host": 7}),
     json.dumps({"host": "db1", "labels": ["x"]}), json.dumps({"duration_s": 3600})],
)  # fmt: skip
def test_a_bad_silence_gets_a_400_naming_the_problem(body):
    answer = signed_in("r", "responder").post(
        "/alerts/silences/", body, content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "bad_field" and answer.json()["error"]["message"]
    assert not Silence.objects.exists()


def test_an_alertmanager_alert_without_a_host_shows_its_source_and_only_a_safe_link():
    now = timezone.now()
    made = Alert.objects.create(
        fingerprint="b" * 16, rule="DiskFull", host="", source="alertmanager", state="firing",
        severity="critical", summary="disk full", started_at=now, fired_at=now, updated_at=now,
        external={"generator_url": "javascript:alert(1)"},
    )  # fmt: skip
    viewer = signed_in("v", "viewer")
    page = viewer.get(f"/alerts/{made.id}/").content.decode()
    assert 'data-source="alertmanager"' in page and "none named" in page
    assert "javascript:" not in page
    Alert.objects.filter(id=made.id).update(external={"generator_url": "http://prom:9090/graph"})
    page = viewer.get(f"/alerts/{made.id}/").content.decode()
    assert 'href="http://prom:9090/graph"' in page
    assert 'data-source="alertmanager"' in viewer.get("/alerts/").content.decode()
