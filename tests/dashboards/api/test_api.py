"""The REST API through Django's test client: every endpoint for every role, tokens, sessions
and the one error shape. (The live server, the schema's property-based run and a real
Alertmanager: tests/live/test_api_live.py.)"""

import io
import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from dashboards.alerts.models import Alert, AlertEvent, AlertRule, Silence
from dashboards.api.models import ApiToken
from dashboards.fleet.models import Host

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("live_settings")]
ROLES = ("viewer", "responder", "admin")


def make_user(name: str, role: str | None) -> User:
    user = User.objects.create_user(name)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def token_for(user: User) -> str:
    out = io.StringIO()
    call_command(
        "token", "create", user.username, "--name", "tests", stdout=out, stderr=io.StringIO()
    )
    return out.getvalue().strip().splitlines()[-1]


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def callers() -> dict[str, dict]:
    return {role: bearer(token_for(make_user(role, role))) for role in ROLES}


def firing_alert(**fields) -> Alert:
    now = timezone.now()
    values = dict(
        fingerprint="f" * 16, rule="disk-full", host="db1", labels={"mount": "/var"},
        state="firing", severity="critical", value=97, summary="/var is full",
        started_at=now, fired_at=now, updated_at=now,
    )  # fmt: skip
    alert = Alert.objects.create(**{**values, **fields})
    entry = AlertEvent.objects.create(alert=alert, event="fired", at=now, state="firing")
    Alert.objects.filter(id=alert.id).update(version=entry.id)
    return alert


RULE = {"name": "api-made", "metric": "cpu.percent", "warning": 50, "for": "30s"}
AM_ALERT = {
    "status": "firing",
    "labels": {"alertname": "DiskFull", "instance": "db2:9100", "severity": "critical"},
    "annotations": {"summary": "disk full on db2"},
    "startsAt": "2026-12-01T10:00:00.123456789Z",
    "endsAt": "0001-01-01T00:00:00Z",
    "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
    "fingerprint": "0123456789abcdef",
}
AM_BODY = {"version": "4", "status": "firing", "receiver": "wall", "alerts": [AM_ALERT]}

NOW = int(time.time())
HOUR_AGO = NOW - 3600
# (method, path, body) -> status per role (viewer, responder, admin).
READ = (200, 200, 200)
RESPOND = (403, 200, 200)
CONFIGURE = (403, 403, 201)
ENDPOINTS = [
    ("GET", "/api/me", None, READ),
    ("GET", "/api/hosts", None, READ),
    ("GET", "/api/hosts?label=env=prod", None, READ),
    ("GET", "/api/hosts/labels", None, READ),
    ("GET", "/api/hosts/db1", None, READ),
    ("GET", "/api/hosts/db1/samples?limit=5", None, READ),
    ("GET", f"/api/hosts/db1/series?metric=cpu.percent&start={HOUR_AGO}&end={NOW}", None, READ),
    ("GET", "/api/alerts", None, READ),
    ("GET", "/api/alerts?state=all&host=db1&severity=critical", None, READ),
    ("GET", "/api/alerts/{alert}", None, READ),
    ("GET", "/api/alerts/{alert}/events", None, READ),
    ("POST", "/api/alerts/{alert}/ack", {"comment": "mine"}, RESPOND),
    ("POST", "/api/alerts/{acked}/unack", None, RESPOND),
    ("GET", "/api/silences", None, READ),
    ("POST", "/api/silences", {"host": "db1", "duration_s": 600}, (403, 201, 201)),
    ("GET", "/api/silences/{silence}", None, READ),
    ("DELETE", "/api/silences/{silence}", None, RESPOND),
    ("GET", "/api/rules", None, READ),
    ("GET", "/api/rules/cpu-high", None, READ),
    ("POST", "/api/rules", RULE, CONFIGURE),
    ("PUT", "/api/rules/cpu-high", {**RULE, "name": "cpu-high"}, (403, 403, 200)),
    ("DELETE", "/api/rules/load-high", None, (403, 403, 204)),
    ("POST", "/api/alertmanager/", AM_BODY, RESPOND),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "body", "expected"), ENDPOINTS)
def test_every_endpoint_answers_each_role_as_the_pages_would(
    callers, role, method, path, body, expected
):
    Host.objects.create(name="db1", labels={"env": "prod"})
    alert = firing_alert()
    acked = firing_alert(fingerprint="a" * 16, host="db3", acked_at=timezone.now())
    silence = Silence.objects.create(
        host="db1", starts_at=timezone.now(), ends_at=timezone.now() + timedelta(hours=1)
    )
    url = path.format(alert=alert.id, acked=acked.id, silence=silence.id)
    kwargs = {"content_type": "application/json", "data": body} if body is not None else {}
    response = Client().generic(method, url, **_json(kwargs), **callers[role])
    want = expected[ROLES.index(role)]
    assert response.status_code == want, response.content
    if want == 403:
        assert response.json()["error"]["code"] == "forbidden"


def _json(kwargs: dict) -> dict:
    import json

    if "data" in kwargs:
        kwargs = {**kwargs, "data": json.dumps(kwargs["data"])}
    return kwargs


@pytest.mark.parametrize(
    "how",
    ["nothing", "a wrong token", "a revoked token", "an expired token", "an inactive user's token",
     "a token without its prefix", "basic auth"],
)  # fmt: skip
def test_who_is_not_let_in_is_told_401_in_json(how):
    user = make_user("r", "responder")
    secret = token_for(user)
    token = ApiToken.objects.get()
    headers = bearer(secret)
    if how == "nothing":
        headers = {}
    elif how == "a wrong token":
        headers = bearer("lm_" + "x" * 43)
    elif how == "a revoked token":
        call_command("token", "revoke", token.start, stdout=io.StringIO())
    elif how == "an expired token":
        ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    elif how == "an inactive user's token":
        User.objects.filter(id=user.id).update(is_active=False)
    elif how == "a token without its prefix":
        headers = bearer(secret.removeprefix("lm_"))
    elif how == "basic auth":
        headers = {"HTTP_AUTHORIZATION": "Basic cjpub3QtdXNlZC0x"}  # r:not-used-1
    response = Client().get("/api/alerts", **headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_token_says_who_and_when_it_was_last_used():
    secret = token_for(make_user("r", "responder"))
    assert ApiToken.objects.get().last_used_at is None
    me = Client().get("/api/me", **bearer(secret)).json()
    assert me == {"username": "r", "role": "responder", "auth": "token"}
    stored = ApiToken.objects.get()
    assert stored.last_used_at is not None
    assert secret not in (stored.digest, stored.start) and secret.startswith(stored.start)


def test_the_token_command_refuses_what_would_not_work():
    make_user("gone", None).__class__.objects.filter(username="gone").update(is_active=False)
    with pytest.raises(CommandError, match="no user 'nobody'"):
        call_command("token", "create", "nobody", stdout=io.StringIO())
    with pytest.raises(CommandError, match="inactive"):
        call_command("token", "create", "gone", stdout=io.StringIO())
    with pytest.raises(CommandError, match="no active token"):
        call_command("token", "revoke", "lm_nothing", stdout=io.StringIO())
    make_user("r", "responder")
    token_for(User.objects.get(username="r"))
    listing = io.StringIO()
    call_command("token", "list", stdout=listing)
    assert "r  active" in listing.getvalue()


def test_a_session_reads_and_needs_the_csrf_token_to_change_anything():
    user = make_user("r", "responder")
    alert = firing_alert()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/api/me").json()["auth"] == "session"
    refused = client.post(f"/api/alerts/{alert.id}/ack")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed"
    client.get("/alerts/")  # the page sets the csrftoken cookie
    csrf = client.cookies["csrftoken"].value
    taken = client.post(
        f"/api/alerts/{alert.id}/ack",
        {"comment": "on it"},
        "application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert taken.status_code == 200
    assert taken.json()["ack"]["comment"] == "on it"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("GET", "/api/alerts?limit=0", None, 400, "bad_field"),
        ("GET", "/api/alerts?state=sideways", None, 400, "bad_field"),
        ("GET", "/api/alerts?since=1e300", None, 400, "bad_field"),
        ("GET", "/api/alerts?colour=red", None, 400, "bad_field"),
        ("GET", "/api/alerts/999999", None, 404, "unknown_alert"),
        ("GET", "/api/alerts/abc", None, 400, "bad_field"),
        ("POST", "/api/alerts/999999/ack", None, 404, "unknown_alert"),
        ("POST", "/api/alerts/{alert}/unack", None, 409, "not_acked"),
        ("POST", "/api/alerts/{resolved}/ack", None, 409, "alert_resolved"),
        ("POST", "/api/alerts/{alert}/ack", {"comment": "x" * 501}, 400, "bad_field"),
        ("POST", "/api/alerts/{alert}/ack", {"who": "me"}, 400, "bad_field"),
        ("POST", "/api/silences", {"host": "db1", "duration_s": 5}, 400, "bad_field"),
        ("POST", "/api/silences", {"duration_s": 600}, 400, "bad_field"),
        ("POST", "/api/silences", "not json{", 400, "bad_request"),
        ("DELETE", "/api/silences/999999", None, 404, "unknown_silence"),
        ("GET", "/api/hosts/nothere", None, 404, "unknown_host"),
        ("GET", "/api/hosts?label=nonsense", None, 400, "bad_field"),
        ("GET", "/api/hosts/db1/samples?limit=100000", None, 400, "bad_field"),
        ("GET", "/api/rules/nothere", None, 404, "unknown_rule"),
        ("POST", "/api/rules", {**RULE, "name": "cpu-high"}, 409, "exists"),
        ("POST", "/api/rules", {**RULE, "metric": "no.such_metric"}, 400, "bad_field"),
        ("POST", "/api/rules", {**RULE, "for": "soon"}, 400, "bad_field"),
        ("POST", "/api/rules", {**RULE, "colour": "red"}, 400, "bad_field"),
        ("PUT", "/api/rules/cpu-high", RULE, 400, "bad_field"),
        ("POST", "/api/alertmanager/", {"alerts": [{"status": "maybe"}]}, 400, "bad_field"),
        ("PATCH", "/api/rules/cpu-high", RULE, 405, "method_not_allowed"),
        ("GET", "/api/nowhere/at/all", None, 404, "not_found"),
    ],
)
def test_every_refusal_has_the_one_error_shape_and_the_right_status(
    method, path, body, status, code
):
    import json

    Host.objects.create(name="db1")
    alert = firing_alert()
    resolved = firing_alert(fingerprint="r" * 16, state="resolved", resolved_at=timezone.now())
    headers = bearer(token_for(make_user("boss", "admin")))
    url = path.format(alert=alert.id, resolved=resolved.id)
    text = body if isinstance(body, str) else json.dumps(body)
    data = {} if body is None else {"content_type": "application/json", "data": text}
    response = Client().generic(method, url, **data, **headers)
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    assert set(error) <= {"code", "message", "fields"}


def test_a_rule_made_through_the_api_is_the_rule_its_file_would_make():
    headers = bearer(token_for(make_user("boss", "admin")))
    made = Client().post("/api/rules", RULE, content_type="application/json", **headers)
    assert made.status_code == 201
    assert made.json()["for"] == "30s" and made.json()["warning"] == 50
    stored = AlertRule.objects.get(name="api-made")
    assert stored.definition() == {**RULE, "hosts": "*", "op": ">", "nodata": "keep"}
    changed = Client().put(
        "/api/rules/api-made", {**RULE, "critical": 90}, content_type="application/json", **headers
    )
    assert changed.status_code == 200 and AlertRule.objects.get(name="api-made").critical == 90
    assert Client().delete("/api/rules/api-made", **headers).status_code == 204
    assert not AlertRule.objects.filter(name="api-made").exists()


def test_the_alert_list_filters_counts_and_pages():
    for n in range(5):
        firing_alert(
            fingerprint=f"{n:016d}", host=f"h{n}", severity="warning" if n % 2 else "critical"
        )
    firing_alert(fingerprint="e" * 16, host="h9", state="resolved", resolved_at=timezone.now())
    headers = bearer(token_for(make_user("v", "viewer")))
    got = Client().get("/api/alerts?severity=critical&limit=2", **headers).json()
    assert got["count"] == 3 and len(got["alerts"]) == 2
    assert {a["severity"] for a in got["alerts"]} == {"critical"}
    rest = Client().get("/api/alerts?severity=critical&limit=2&offset=2", **headers).json()
    assert len(rest["alerts"]) == 1
    assert Client().get("/api/alerts?state=resolved", **headers).json()["count"] == 1
    assert Client().get("/api/alerts?state=all", **headers).json()["count"] == 6
    detail = Client().get(f"/api/alerts/{got['alerts'][0]['id']}", **headers).json()
    assert [e["event"] for e in detail["events"]] == ["fired"]


def test_active_since_lists_every_alert_that_was_on_in_a_window_however_early_it_began():
    now = timezone.now()
    hours = [now - timedelta(hours=h) for h in range(6)]
    firing_alert(fingerprint="1" * 16, started_at=hours[5])  # began before, still firing
    firing_alert(fingerprint="2" * 16, started_at=hours[5], state="resolved",
                 resolved_at=hours[1])  # began before, resolved inside  # fmt: skip
    firing_alert(fingerprint="3" * 16, started_at=hours[5], state="resolved",
                 resolved_at=hours[4])  # over before the window  # fmt: skip
    firing_alert(fingerprint="4" * 16, started_at=hours[1])  # began inside
    headers = bearer(token_for(make_user("v", "viewer")))
    window = hours[2].timestamp()
    got = Client().get(f"/api/alerts?state=all&active_since={window}", **headers).json()
    assert sorted(a["fingerprint"][0] for a in got["alerts"]) == ["1", "2", "4"]
    started = Client().get(f"/api/alerts?state=all&since={window}", **headers).json()
    assert [a["fingerprint"][0] for a in started["alerts"]] == ["4"]
    refused = Client().get("/api/alerts?active_since=1e300", **headers)
    assert refused.status_code == 400 and "active_since" in str(refused.json()["error"])


SLOTS = [
    ("{alert}", "{alert_id}"), ("{acked}", "{alert_id}"), ("{silence}", "{silence_id}"),
    ("/db1", "/{name}"), ("/cpu-high", "/{name}"), ("/load-high", "/{name}"),
]  # fmt: skip


def test_the_schema_is_openapi_and_documents_every_route():
    schema = Client().get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    for _, path, _, _ in ENDPOINTS:
        template = path.split("?")[0]
        for name, slot in SLOTS:
            template = template.replace(name, slot)
        assert template in paths, template
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    docs = Client().get("/api/docs")
    assert docs.status_code == 200
    # Every script and style the docs page loads is ours (the page also carries a random CSRF
    # token, so searching its text for "cdn" failed one run in a few thousand).
    loaded = re.findall(r'(?:src|href)="([^"]*)"', docs.content.decode())
    assert loaded and all(url.startswith("/static/") for url in loaded), loaded


def test_the_alert_record_is_the_one_protocol_md_lists_and_the_schema_documents():
    from pathlib import Path

    from dashboards.alerts.mirror import record
    from dashboards.api.schemas import AlertOut

    doc = (Path(__file__).resolve().parents[3] / "docs" / "protocol.md").read_text()
    listed = re.search(r"An alert record: `\{(.*?)\}`", doc, re.S).group(1)
    fields = re.findall(r'"(\w+)"', listed)
    assert list(record(firing_alert())) == fields
    assert list(AlertOut.model_fields) == fields
