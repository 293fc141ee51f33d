"""`/d/<slug>/editor.json`: the dashboard editor's pickers, through Django's test client."""

import json

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from core.redis_clients import redis_client
from core.redis_keys import redis_keys
from dashboards.fleet.models import Host
from dashboards.walls.layout import PANEL_TYPES, SUMMARY_METRICS, is_metric
from dashboards.walls.models import Dashboard

pytestmark = pytest.mark.django_db
URL = "/d/fleet/editor.json"
NO_REDIS = "redis://127.0.0.1:9/0"  # nothing listens on the discard port


def client_for(role: str | None) -> Client:
    user = User.objects.create_user(role or "nobody")
    if role:
        user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client


def names(body: dict) -> list[str]:
    return [metric["name"] for metric in body["metrics"]]


def test_anonymous_visitors_are_sent_to_the_login_page():
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", [None, "viewer", "responder"])
def test_anyone_but_an_admin_is_refused(role):
    response = client_for(role).get(URL)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_an_unknown_slug_is_404():
    assert client_for("admin").get("/d/nope/editor.json").status_code == 404


def test_an_admin_gets_the_hosts_with_their_labels(settings):
    settings.REDIS_URL = NO_REDIS
    Host.objects.create(name="beta", labels={"env": "dev"})
    Host.objects.create(name="alpha", labels={"env": "prod", "role": "db"})
    body = client_for("admin").get(URL).json()
    assert body["hosts"] == [
        {"name": "alpha", "labels": {"env": "prod", "role": "db"}},
        {"name": "beta", "labels": {"env": "dev"}},
    ]
    assert body["columns"] == 12


def test_the_panel_types_are_those_the_layout_checks(settings):
    settings.REDIS_URL = NO_REDIS
    types = client_for("admin").get(URL).json()["panel_types"]
    assert list(types) == list(PANEL_TYPES)
    assert types["chart"] == {
        "required": ["metric"],
        "optional": ["hosts", "labels", "window_s"],
        "one_of": ["hosts", "labels"],
        "one_of_required": True,
    }
    assert types["stat"]["required"] == ["metric", "host"]
    assert types["clock"]["optional"] == ["tz"]


def test_without_redis_the_metrics_are_the_headline_figures_and_the_plain_fields(settings):
    settings.REDIS_URL = NO_REDIS
    Host.objects.create(name="alpha")
    response = client_for("admin").get(URL)
    assert response.status_code == 200
    metrics = response.json()["metrics"]
    listed = names(response.json())
    assert set(SUMMARY_METRICS) <= set(listed)
    assert "mem.used_bytes" in listed and "uptime_s" in listed
    assert all("{" not in name and is_metric(name) for name in listed)
    assert len(listed) == len(set(listed))
    by_name = {metric["name"]: metric for metric in metrics}
    assert by_name["cpu.percent"] == {"name": "cpu.percent", "unit": "percent", "summary": True}
    assert by_name["net.rx_bytes_per_s"]["unit"] == "bytes/s"
    assert by_name["mem.used_bytes"] == {
        "name": "mem.used_bytes",
        "unit": "bytes",
        "summary": False,
    }


def test_pattern_instances_come_from_the_newest_stored_samples(live_settings):
    Host.objects.create(name="alpha")
    Host.objects.create(name="beta")
    keys = redis_keys(live_settings.MONITOR_REDIS_PREFIX)
    client = redis_client(live_settings.REDIS_URL)
    old = {"metrics": {"cpu.core.7.percent": 1.0}}
    newest = {"metrics": {"cpu.core.0.percent": 3.0, "disk./var.used_percent": 40.0}}
    client.zadd(keys.recent("alpha"), {json.dumps(old): 1, json.dumps(newest): 2})
    client.zadd(keys.recent("beta"), {json.dumps({"metrics": {"net.eth0.rx_bytes_per_s": 9}}): 5})
    body = client_for("admin").get(URL).json()
    listed = names(body)
    assert {"cpu.core.0.percent", "disk./var.used_percent", "net.eth0.rx_bytes_per_s"} <= set(
        listed
    )
    assert "cpu.core.7.percent" not in listed  # not in the newest sample
    by_name = {metric["name"]: metric for metric in body["metrics"]}
    assert by_name["disk./var.used_percent"]["unit"] == "percent"
    assert listed.index("cpu.core.0.percent") > listed.index("cpu.iowait_percent")


def test_a_corrupt_stored_sample_costs_only_its_hosts_names(live_settings):
    Host.objects.create(name="alpha")
    Host.objects.create(name="beta")
    keys = redis_keys(live_settings.MONITOR_REDIS_PREFIX)
    client = redis_client(live_settings.REDIS_URL)
    client.zadd(keys.recent("alpha"), {"{nope": 1})
    client.zadd(keys.recent("beta"), {json.dumps({"metrics": {"cpu.core.2.percent": 1}}): 1})
    response = client_for("admin").get(URL)
    assert response.status_code == 200
    assert "cpu.core.2.percent" in names(response.json())


def test_the_columns_are_the_dashboards_own(settings):
    settings.REDIS_URL = NO_REDIS
    layout = {"schema": 1, "columns": 24, "panels": []}
    Dashboard.objects.create(slug="wide", title="Wide", layout=layout)
    assert client_for("admin").get("/d/wide/editor.json").json()["columns"] == 24


def test_only_get_is_answered():
    assert client_for("admin").post(URL).status_code == 405
