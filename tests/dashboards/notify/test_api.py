"""The contact points router on its own (the API's main module mounts it): admins only, errors
as Refused codes, the same checks as the files."""

import pytest
from django.contrib.auth.models import User
from ninja import NinjaAPI
from ninja.testing import TestClient

from dashboards.alerts.responses import Refused
from dashboards.notify.api import router
from dashboards.notify.models import ContactPoint
from tests.dashboards.notify.receivers import Receiver

pytestmark = pytest.mark.django_db
STATUS = {"bad_field": 400, "forbidden": 403, "not_found": 404, "exists": 409}


@pytest.fixture(scope="module")
def api():
    made = NinjaAPI(urls_namespace="notify-test")

    @made.exception_handler(Refused)
    def refused(request, exc):
        return made.create_response(
            request, {"error": {"code": exc.code, "message": exc.message}},
            status=STATUS[exc.code],
        )  # fmt: skip

    made.add_router("", router)
    return TestClient(made)


@pytest.fixture
def admin():
    return User.objects.create_superuser("boss", password="x")


HOOK = {"name": "hook", "kind": "webhook", "settings": {"url": "http://127.0.0.1:9/"}}


def test_an_admin_creates_reads_replaces_and_deletes_a_contact_point(api, admin):
    assert api.post("/contact-points", json=HOOK, user=admin).status_code == 201
    assert api.post("/contact-points", json=HOOK, user=admin).json()["error"]["code"] == "exists"
    assert api.get("/contact-points/hook", user=admin).json()["settings"] == HOOK["settings"]
    changed = {**HOOK, "send_resolved": False}
    assert (
        api.put("/contact-points/hook", json=changed, user=admin).json()["send_resolved"] is False
    )
    assert api.delete("/contact-points/hook", user=admin).status_code == 204
    assert api.get("/contact-points/hook", user=admin).status_code == 404


def test_a_bad_field_is_refused_naming_it(api, admin):
    bad = {**HOOK, "settings": {"url": "ftp://x"}}
    answer = api.post("/contact-points", json=bad, user=admin)
    assert answer.status_code == 400 and "url" in answer.json()["error"]["message"]
    assert not ContactPoint.objects.exists()


def test_someone_not_an_admin_is_refused(api):
    viewer = User.objects.create_user("watcher", password="x")
    assert api.get("/contact-points", user=viewer).status_code == 403


def test_routes_are_replaced_in_order_and_the_test_action_delivers(api, admin):
    receiver = Receiver()
    try:
        hook = {**HOOK, "settings": {"url": receiver.url}}
        api.post("/contact-points", json=hook, user=admin)
        routes = {"routes": [{"name": "crit", "match": {"severity": ["critical"]},
                              "contact_points": ["hook"], "continue": True}],
                  "default_route": {"contact_points": ["hook"], "group_wait": "10s"}}  # fmt: skip
        answer = api.put("/routes", json=routes, user=admin).json()
        assert answer["routes"][0]["continue"] is True
        assert answer["default_route"]["group_wait"] == "10s"
        assert api.get("/routes", user=admin).json() == answer
        tested = api.post("/contact-points/hook/test", user=admin).json()
        assert tested["status"] == "delivered" and len(receiver.requests) == 1
    finally:
        receiver.close()
