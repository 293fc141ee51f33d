"""`/d/`, `/d/<slug>/` and its layout file, through Django's test client."""

import json

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from dashboards.fleet.models import Host
from dashboards.walls.models import Dashboard

pytestmark = pytest.mark.django_db

LAYOUT = {
    "schema": 1,
    "columns": 12,
    "panels": [{"id": "c", "type": "clock", "x": 0, "y": 0, "w": 2, "h": 2}],
}


def client_for(role: str | None) -> Client:
    user = User.objects.create_user(role or "nobody")
    if role:
        user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client


def test_pages_send_anonymous_visitors_to_the_login_page():
    for path in ("/d/", "/d/fleet/", "/d/fleet/layout.json"):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_an_unknown_slug_is_404():
    client = client_for("viewer")
    assert client.get("/d/nope/").status_code == 404
    assert client.get("/d/nope/layout.json").status_code == 404


def test_fleet_gives_the_page_its_program_hosts_and_subscription():
    Host.objects.create(name="alpha", labels={"env": "prod"})
    response = client_for("viewer").get("/d/fleet/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="dashboard-grid"' in html and "js/pages/dashboard.js" in html
    assert '"alpha"' in html  # the initial host records
    assert 'id="dashboard-program"' in html and 'id="dashboard-layout"' in html
    shown = response.context["program"]
    assert [board["slug"] for board in shown["boards"]] == ["fleet"]
    assert shown["subscriptions"]["subscribe"] == {
        "type": "subscribe", "hosts": "*", "view": "summary"
    }  # fmt: skip
    assert "plotly" not in html  # no chart panel: the page does without it


def test_a_hosts_panel_with_labels_follows_every_host_and_the_page_filters():
    Host.objects.create(name="alpha", labels={"env": "prod"})
    Host.objects.create(name="beta", labels={"env": "dev"})
    layout = {"schema": 1, "panels": [
        {"id": "t", "type": "hosts", "x": 0, "y": 0, "w": 12, "h": 6, "labels": {"env": "prod"}}
    ]}  # fmt: skip
    Dashboard.objects.create(slug="prod", title="Prod", layout=layout)
    response = client_for("viewer").get("/d/prod/")
    assert [h["name"] for h in response.context["hosts"]] == ["alpha", "beta"]
    assert response.context["program"]["subscriptions"]["labels"] == [{"env": "prod"}]


def test_named_hosts_alone_are_sent_and_a_chart_brings_plotly():
    Host.objects.create(name="alpha")
    Host.objects.create(name="beta")
    chart = {"id": "c", "type": "chart", "x": 0, "y": 0, "w": 6, "h": 3,
             "metric": "cpu.percent", "hosts": ["beta"]}  # fmt: skip
    layout = {"schema": 1, "panels": [chart]}
    Dashboard.objects.create(slug="beta", title="Beta", layout=layout)
    response = client_for("viewer").get("/d/beta/")
    assert [h["name"] for h in response.context["hosts"]] == ["beta"]
    assert "plotly/plotly.min.js" in response.content.decode()


def test_a_dashboard_without_hosts_follows_nothing():
    Dashboard.objects.create(slug="clock", title="Just a clock", layout=LAYOUT)
    response = client_for("viewer").get("/d/clock/")
    assert response.status_code == 200
    assert response.context["program"]["boards"][0]["layout"] == LAYOUT
    assert response.context["program"]["subscriptions"]["subscribe"] is None
    assert response.context["hosts"] == []


def test_the_list_links_every_dashboard():
    Dashboard.objects.create(slug="clock", title="Just a clock", layout=LAYOUT)
    html = client_for("viewer").get("/d/").content.decode()
    assert 'href="/d/fleet/"' in html and 'href="/d/clock/"' in html


def test_the_layout_downloads_as_a_file():
    response = client_for("viewer").get("/d/fleet/layout.json")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="fleet.layout.json"'
    assert json.loads(response.content) == Dashboard.objects.get(slug="fleet").layout


def upload(client: Client, body, slug: str = "fleet"):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(f"/d/{slug}/layout.json", data, content_type="application/json")


def test_an_admin_uploads_a_layout():
    response = upload(client_for("admin"), LAYOUT)
    assert response.status_code == 200
    assert Dashboard.objects.get(slug="fleet").layout == LAYOUT


def test_an_admin_uploads_a_layout_as_a_form_file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile("x.json", json.dumps(LAYOUT).encode(), "application/json")
    response = client_for("admin").post("/d/fleet/layout.json", {"file": file})
    assert response.status_code == 200
    assert Dashboard.objects.get(slug="fleet").layout == LAYOUT


@pytest.mark.parametrize("role", ["viewer", "responder"])
def test_others_may_not_upload(role):
    before = Dashboard.objects.get(slug="fleet").layout
    response = upload(client_for(role), LAYOUT)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert Dashboard.objects.get(slug="fleet").layout == before


def test_a_bad_layout_is_refused_naming_the_field_and_changes_nothing():
    before = Dashboard.objects.get(slug="fleet").layout
    bad = {**LAYOUT, "panels": [{**LAYOUT["panels"][0], "tz": "Nowhere/Else"}]}
    response = upload(client_for("admin"), bad)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_layout"
    assert list(error["fields"]) == ["panels[0].tz"]
    assert error["message"].startswith("panel 0 (c): tz: 'Nowhere/Else' is not")
    assert Dashboard.objects.get(slug="fleet").layout == before


def test_an_upload_that_is_not_json_is_a_bad_layout():
    response = upload(client_for("admin"), "{nope")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"layout": "not JSON"}


def test_an_upload_needs_the_csrf_token():
    user = User.objects.create_user("boss", is_superuser=True)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert upload(client, LAYOUT).status_code == 403
