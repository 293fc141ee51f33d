"""/api/dashboards for every role, through Django's test client with bearer tokens."""

import io

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import Client

from dashboards.walls.models import Dashboard

pytestmark = pytest.mark.django_db
ROLES = ("viewer", "responder", "admin")
LAYOUT = {
    "schema": 1,
    "columns": 12,
    "panels": [{"id": "n", "type": "text", "x": 0, "y": 0, "w": 4, "h": 2, "text": "hi"}],
}


def bearer_for(role: str) -> dict:
    user = User.objects.create_user(role)
    user.groups.add(Group.objects.get(name=role))
    out = io.StringIO()
    call_command("token", "create", role, "--name", "t", stdout=out, stderr=io.StringIO())
    return {"HTTP_AUTHORIZATION": f"Bearer {out.getvalue().strip().splitlines()[-1]}"}


@pytest.fixture
def callers() -> dict[str, dict]:
    return {role: bearer_for(role) for role in ROLES}


def put(headers: dict, slug: str, body: dict):
    return Client().put(f"/api/dashboards/{slug}", body, content_type="application/json", **headers)


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_dashboards(callers, role):
    listed = Client().get("/api/dashboards", **callers[role])
    assert listed.status_code == 200
    assert listed.json() == [{"slug": "fleet", "title": "Fleet", "builtin": True, "panels": 2}]
    one = Client().get("/api/dashboards/fleet", **callers[role]).json()
    assert one["layout"] == Dashboard.objects.get(slug="fleet").layout


def test_anonymous_callers_are_told_to_sign_in():
    assert Client().get("/api/dashboards").status_code == 401


def test_an_unknown_dashboard_is_404(callers):
    response = Client().get("/api/dashboards/nope", **callers["viewer"])
    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")


@pytest.mark.parametrize("role", ["viewer", "responder"])
def test_only_admins_change_dashboards(callers, role):
    assert put(callers[role], "noc", {"title": "NOC", "layout": LAYOUT}).status_code == 403
    assert Client().delete("/api/dashboards/fleet", **callers[role]).status_code == 403
    assert not Dashboard.objects.filter(slug="noc").exists()


def test_an_admin_creates_replaces_and_deletes_one(callers):
    admin = callers["admin"]
    created = put(admin, "noc", {"title": "NOC", "layout": LAYOUT})
    assert created.status_code == 201
    assert created.json() == {"slug": "noc", "title": "NOC", "layout": LAYOUT, "builtin": False}
    replaced = put(admin, "noc", {"title": "NOC wall", "layout": {"schema": 1, "panels": []}})
    assert replaced.status_code == 200
    assert Dashboard.objects.get(slug="noc").layout == {"schema": 1, "columns": 12, "panels": []}
    assert Client().delete("/api/dashboards/noc", **admin).status_code == 204
    assert not Dashboard.objects.filter(slug="noc").exists()


def test_a_bad_layout_is_400_naming_the_panel_field_and_changes_nothing(callers):
    bad = {**LAYOUT, "panels": [{**LAYOUT["panels"][0], "w": 13}]}
    response = put(callers["admin"], "fleet", {"title": "Fleet", "layout": bad})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_layout"
    assert list(error["fields"]) == ["layout.panels[0].w"]
    assert "panel 0 (n): w: " in error["message"]
    assert Dashboard.objects.get(slug="fleet").layout["panels"][0]["type"] == "hosts"


def test_a_bad_slug_or_body_is_a_bad_field(callers):
    response = put(callers["admin"], "no%20c", {"title": "x", "layout": LAYOUT})
    assert (response.status_code, response.json()["error"]["code"]) == (400, "bad_field")
    response = put(callers["admin"], "noc", {"title": "x", "layout": LAYOUT, "owner": "me"})
    assert (response.status_code, response.json()["error"]["code"]) == (400, "bad_field")


def test_fleet_cannot_be_deleted(callers):
    response = Client().delete("/api/dashboards/fleet", **callers["admin"])
    assert (response.status_code, response.json()["error"]["code"]) == (409, "builtin")
    assert Dashboard.objects.filter(slug="fleet").exists()
