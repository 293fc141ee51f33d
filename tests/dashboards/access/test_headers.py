"""Security headers on every page, and the TLS-proxy settings' effect on a secure request."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_every_page_carries_a_strict_policy():
    response = Client().get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-eval'" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response  # plain http: no HSTS


def test_over_https_hsts_is_sent_and_cookies_are_secure(settings, django_user_model):
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    django_user_model.objects.create_user("screen", password="correct-horse-battery-9")
    client = Client()
    page = client.get("/accounts/login/", secure=True)
    assert page["Strict-Transport-Security"] == "max-age=3600"
    assert page.cookies["csrftoken"]["secure"]
    login = client.post(
        "/accounts/login/",
        {"username": "screen", "password": "correct-horse-battery-9"},
        secure=True,
    )
    assert login.status_code == 302
    assert login.cookies["sessionid"]["secure"] and login.cookies["sessionid"]["httponly"]
