"""The admin's JSON textarea: a bad layout is refused with the panel and field."""

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dashboards.walls.models import Dashboard

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(User.objects.create_user("boss", is_staff=True, is_superuser=True))
    return client


def test_a_bad_layout_shows_the_panel_and_field(admin_client):
    layout = {"schema": 1, "panels": [{"id": "x", "type": "stat", "x": 0, "y": 0, "w": 1, "h": 1,
                                       "host": "db1", "metric": "cpu.nothing"}]}  # fmt: skip
    response = admin_client.post(
        "/admin/walls/dashboard/add/", {"slug": "bad", "title": "Bad", "layout": json.dumps(layout)}
    )
    assert response.status_code == 200
    assert (
        "panel 0 (x): metric: &#x27;cpu.nothing&#x27; is not a metric" in response.content.decode()
    )
    assert not Dashboard.objects.filter(slug="bad").exists()


def test_a_good_layout_is_saved_normalised(admin_client):
    layout = {"schema": 1, "panels": []}
    response = admin_client.post(
        "/admin/walls/dashboard/add/", {"slug": "ok", "title": "OK", "layout": json.dumps(layout)}
    )
    assert response.status_code == 302
    assert Dashboard.objects.get(slug="ok").layout == {"schema": 1, "columns": 12, "panels": []}


def test_fleet_cannot_be_deleted_in_the_admin(admin_client):
    fleet = Dashboard.objects.get(slug="fleet")
    response = admin_client.post(f"/admin/walls/dashboard/{fleet.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    admin_client.post(
        "/admin/walls/dashboard/",
        {"action": "delete_selected", "_selected_action": [fleet.pk], "post": "yes"},
    )
    assert Dashboard.objects.filter(slug="fleet").exists()
