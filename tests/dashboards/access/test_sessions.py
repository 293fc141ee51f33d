"""Whether the session behind a socket still lets its user in (dashboards/access/sessions.py)."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from dashboards.access.sessions import ended_sessions, session_tag

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def signed_in(django_user_model):
    """(user, session key) of a real login through the login page."""
    user = django_user_model.objects.create_user("screen", password=PASSWORD)
    client = Client()
    response = client.post("/accounts/login/", {"username": "screen", "password": PASSWORD})
    assert response.status_code == 302
    return user, client.session.session_key, client


def test_a_live_session_has_not_ended(signed_in):
    user, key, _ = signed_in
    assert ended_sessions({key: user.pk}) == set()


def test_logging_out_ends_it(signed_in):
    user, key, client = signed_in
    client.post("/accounts/logout/")
    assert ended_sessions({key: user.pk}) == {key}


def test_expiry_ends_it(signed_in):
    user, key, _ = signed_in
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))
    assert ended_sessions({key: user.pk}) == {key}


def test_deactivating_the_account_ends_it(signed_in):
    user, key, _ = signed_in
    user.is_active = False
    user.save()
    assert ended_sessions({key: user.pk}) == {key}


def test_a_new_password_ends_it(signed_in):
    user, key, _ = signed_in
    user.set_password("another-horse-battery-9")
    user.save()
    assert ended_sessions({key: user.pk}) == {key}


def test_deleting_the_account_ends_it(signed_in):
    user, key, _ = signed_in
    user_id = user.pk
    user.delete()
    assert ended_sessions({key: user_id}) == {key}


def test_a_session_of_someone_else_does_not_count_for_this_user(signed_in, django_user_model):
    _, key, _ = signed_in
    other = django_user_model.objects.create_user("other", password=PASSWORD)
    assert ended_sessions({key: other.pk}) == {key}


def test_the_session_tag_does_not_reveal_the_key(signed_in):
    _, key, _ = signed_in
    assert key not in session_tag(key) and len(session_tag(key)) == 32
