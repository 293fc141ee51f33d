"""Login throttling (django-axes): guessing stops after a few tries, the owner is not locked out
from elsewhere, nothing is locked forever, and the page says what happened."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser("admin", password=PASSWORD)


def attempt(path: str, password: str, address: str = "203.0.113.7"):
    client = Client(REMOTE_ADDR=address)
    return client.post(path, {"username": "admin", "password": password})


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_after_five_wrong_passwords_even_the_right_one_is_refused_for_a_while(admin, path):
    for _ in range(4):
        assert attempt(path, "wrong-guess").status_code == 200  # the form again, with an error
    assert attempt(path, "wrong-guess").status_code == 429  # the fifth locks the pair out
    locked = attempt(path, PASSWORD)
    assert locked.status_code == 429
    assert b"Too many wrong passwords" in locked.content
    assert b"Try again in" in locked.content


def test_the_account_still_works_from_another_address(admin):
    for _ in range(6):
        attempt("/accounts/login/", "wrong-guess", address="203.0.113.7")
    assert attempt("/accounts/login/", PASSWORD, address="198.51.100.20").status_code == 302


def test_the_lockout_ends_by_itself(admin, settings):
    for _ in range(5):
        attempt("/accounts/login/", "wrong-guess")
    assert attempt("/accounts/login/", PASSWORD).status_code == 429
    settings.AXES_COOLOFF_TIME = 0.000001  # hours: the cool-off has passed
    assert attempt("/accounts/login/", PASSWORD).status_code == 302


def test_a_success_forgets_earlier_failures(admin):
    for _ in range(4):
        attempt("/accounts/login/", "wrong-guess")
    assert attempt("/accounts/login/", PASSWORD).status_code == 302
    for _ in range(4):
        assert attempt("/accounts/login/", "wrong-guess").status_code == 200
    assert attempt("/accounts/login/", PASSWORD).status_code == 302
