"""/healthz: database, Redis and the newest sample's age; 503 when any is wrong."""

import time

import pytest
import redis

from core.redis_keys import RedisKeys
from dashboards.fleet.models import Host

pytestmark = pytest.mark.django_db


def mark_sample_at(settings, ts: float) -> None:
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.zadd(RedisKeys(settings.MONITOR_REDIS_PREFIX).hosts, {"alpha": ts})


def test_healthy_when_database_redis_and_a_fresh_sample_are_there(client, live_settings):
    mark_sample_at(live_settings, time.time() - 1)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert 0.9 <= body["newest_sample"]["age_s"] < body["newest_sample"]["max_age_s"]


def test_unhealthy_before_any_sample(client, live_settings):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["newest_sample"] == {"ok": False, "age_s": None, "max_age_s": 15}


def test_unhealthy_when_the_newest_sample_is_old(client, live_settings):
    mark_sample_at(live_settings, time.time() - 60)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["newest_sample"]["ok"] is False


def test_unhealthy_and_still_answering_when_redis_is_dead(client, settings, tmp_path):
    settings.REDIS_URL = f"unix://{tmp_path}/nobody-listens.sock"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == {"ok": True}
    assert body["redis"]["ok"] is False
    assert body["redis"]["error"] == "ConnectionError"


def test_without_redis_no_host_is_counted_as_up(client, settings, tmp_path):
    Host.objects.create(name="alpha", status="up")
    settings.REDIS_URL = f"unix://{tmp_path}/nobody-listens.sock"
    assert client.get("/healthz").json()["hosts"] == {"unknown": 1}


def test_an_unhealthy_answer_is_not_logged_as_a_server_error(client, settings, tmp_path, caplog):
    settings.REDIS_URL = f"unix://{tmp_path}/nobody-listens.sock"
    assert client.get("/healthz").status_code == 503
    assert not [r for r in caplog.records if r.name == "django.request"]


def test_the_dashboard_still_renders_when_redis_is_dead(
    client, settings, tmp_path, django_user_model
):
    settings.REDIS_URL = f"unix://{tmp_path}/nobody-listens.sock"
    client.force_login(django_user_model.objects.create_user("screen", password="x-unused-1"))
    response = client.get("/")
    assert response.status_code == 200
    assert b'id="overview"' in response.content


def test_redis_failing_between_two_reads_is_unhealthy_not_a_server_error(client, live_settings):
    from unittest import mock

    import redis as redis_module

    mark_sample_at(live_settings, time.time() - 1)
    with mock.patch(
        "dashboards.health.views.redis_now", side_effect=redis_module.ConnectionError("gone")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["newest_sample"]["ok"] is False
