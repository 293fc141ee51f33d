"""Who may read /metrics and the details of /healthz: the token, staff, or anyone if open."""

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("live_settings")]


def bearer(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def test_anonymous_probes_learn_the_status_and_nothing_else():
    response = Client().get("/healthz")
    assert response.status_code == 503  # no sample yet: unhealthy, and it says so
    assert response.json() == {"status": "unhealthy"}


def test_anonymous_scrapes_are_refused_with_a_pointer_to_the_token():
    response = Client().get("/metrics")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"monitor_" not in response.content


@pytest.mark.parametrize("token", ["wrong", "", "Bearer"])
def test_a_wrong_token_is_refused(token):
    assert bearer(token).get("/metrics").status_code == 401
    assert set(bearer(token).get("/healthz").json()) == {"status"}


def test_the_token_opens_both(settings):
    client = bearer(settings.MONITOR_METRICS_TOKEN)
    assert client.get("/metrics").status_code == 200
    assert {"database", "redis", "newest_sample"} <= set(client.get("/healthz").json())


def test_staff_see_them_in_the_browser_and_other_users_do_not(django_user_model):
    viewer, staff = Client(), Client()
    viewer.force_login(django_user_model.objects.create_user("viewer", password="x-unused-1"))
    staff.force_login(
        django_user_model.objects.create_user("ops", password="x-unused-1", is_staff=True)
    )
    assert viewer.get("/metrics").status_code == 401
    assert staff.get("/metrics").status_code == 200


def test_they_can_be_opened_to_all(settings):
    settings.MONITOR_METRICS_PUBLIC = True
    assert Client().get("/metrics").status_code == 200
