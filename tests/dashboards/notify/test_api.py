"""The contact points and routes endpoints through the real API (tokens, its error shape):
admins only, checked before a body is read; secrets redacted; the same checks as the files."""

import io

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import Client

from dashboards.notify.models import ContactPoint
from dashboards.notify.secrets import REDACTED
from tests.dashboards.notify.receivers import Receiver

pytestmark = pytest.mark.django_db
HOOK = {"name": "hook", "kind": "webhook", "settings": {"url": "http://127.0.0.1:9/"}}


def bearer_of(role: str) -> dict:
    user = User.objects.create_user(f"a-{role}")
    user.groups.add(Group.objects.get(name=role))
    out = io.StringIO()
    call_command("token", "create", user.username, stdout=out, stderr=io.StringIO())
    return {"HTTP_AUTHORIZATION": f"Bearer {out.getvalue().strip().splitlines()[-1]}"}


class Api:
    """The API as one role calls it."""

    def __init__(self, role: str) -> None:
        self.client, self.headers = Client(), bearer_of(role)

    def call(self, method: str, path: str, body=None):
        return getattr(self.client, method)(
            f"/api{path}", data=body, content_type="application/json", **self.headers
        )

    def get(self, path):
        return self.call("get", path)

    def post(self, path, body=None):
        return self.call("post", path, body)

    def put(self, path, body=None):
        return self.call("put", path, body)

    def delete(self, path):
        return self.call("delete", path)


@pytest.fixture
def admin() -> Api:
    return Api("admin")


@pytest.fixture
def receiver():
    made = Receiver()
    yield made
    made.close()


def test_an_admin_creates_reads_replaces_and_deletes_a_contact_point(admin):
    assert admin.post("/contact-points", HOOK).status_code == 201
    assert admin.post("/contact-points", HOOK).json()["error"]["code"] == "exists"
    assert admin.get("/contact-points/hook").json()["settings"] == HOOK["settings"]
    changed = {**HOOK, "send_resolved": False}
    assert admin.put("/contact-points/hook", changed).json()["send_resolved"] is False
    assert admin.delete("/contact-points/hook").status_code == 204
    assert admin.get("/contact-points/hook").status_code == 404


def test_a_bad_field_is_refused_naming_it(admin):
    answer = admin.post("/contact-points", {**HOOK, "settings": {"url": "ftp://x"}})
    assert answer.status_code == 400 and "url" in answer.json()["error"]["message"]
    assert not ContactPoint.objects.exists()


ENDPOINTS = [
    ("get", "/contact-points"), ("post", "/contact-points"), ("get", "/contact-points/hook"),
    ("put", "/contact-points/hook"), ("delete", "/contact-points/hook"),
    ("post", "/contact-points/hook/test"), ("get", "/routes"), ("put", "/routes"),
]  # fmt: skip


@pytest.mark.parametrize("role", ["viewer", "responder"])
@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_someone_not_an_admin_is_refused_before_the_body_is_read(role, method, path):
    ContactPoint.objects.create(name="hook", kind="webhook", settings=HOOK["settings"])
    answer = Api(role).call(method, path, {"not": "a valid body"})
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "forbidden"
    assert ContactPoint.objects.get().settings == HOOK["settings"]


def test_without_credentials_it_is_401():
    assert Client().get("/api/contact-points").status_code == 401


def test_secrets_are_redacted_and_a_redacted_value_sent_back_keeps_the_secret(admin):
    hook = {**HOOK, "settings": {**HOOK["settings"], "bearer_token": "s3cret"}}
    chat = {"name": "chat", "kind": "apprise", "settings": {"urls": ["json://127.0.0.1:9/"]}}
    admin.post("/contact-points", hook)
    admin.post("/contact-points", chat)
    shown = {cp["name"]: cp["settings"] for cp in admin.get("/contact-points").json()}
    assert shown == {"chat": {"urls": [REDACTED]},
                     "hook": {"url": "http://127.0.0.1:9/", "bearer_token": REDACTED}}  # fmt: skip
    again = {**hook, "send_resolved": False, "settings": shown["hook"]}
    assert admin.put("/contact-points/hook", again).status_code == 200
    assert ContactPoint.objects.get(name="hook").settings["bearer_token"] == "s3cret"


def test_routes_take_a_value_or_a_list(admin):
    admin.post("/contact-points", HOOK)
    routes = {"routes": [{"name": "crit", "match": {"severity": "critical", "rule": ["a", "b"]},
                          "contact_points": "hook", "group_by": "host"}]}  # fmt: skip
    answer = admin.put("/routes", routes)
    assert answer.status_code == 200, answer.json()
    route = answer.json()["routes"][0]
    assert route["match"] == {"severity": ["critical"], "alertname": ["a", "b"]}
    assert route["group_by"] == ["host"]


def test_routes_are_replaced_in_order_and_the_test_action_delivers(admin, receiver):
    admin.post("/contact-points", {**HOOK, "settings": {"url": receiver.url}})
    routes = {"routes": [{"name": "crit", "match": {"severity": ["critical"]},
                          "contact_points": ["hook"], "continue": True}],
              "default_route": {"contact_points": ["hook"], "group_wait": "10s"}}  # fmt: skip
    answer = admin.put("/routes", routes).json()
    assert answer["routes"][0]["continue"] is True
    assert answer["default_route"]["group_wait"] == "10s"
    assert admin.get("/routes").json() == answer
    tested = admin.post("/contact-points/hook/test").json()
    assert tested["status"] == "delivered" and len(receiver.requests) == 1
