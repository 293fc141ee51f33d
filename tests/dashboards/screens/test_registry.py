"""The registry's rows: what reports write, when a screen counts as online, what /screens/ lists."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from dashboards.screens import registry
from dashboards.screens.models import OFFLINE_AFTER_S, Screen
from dashboards.screens.reports import parse_screen
from dashboards.walls.kiosks import create_kiosk
from tests.dashboards.screens.reports import kiosk_report, page_report

pytestmark = pytest.mark.django_db


def page_screen(user: User, channel: str = "chan.a", **changes) -> Screen:
    report = parse_screen(page_report(**changes), kiosk=False)
    return Screen.objects.get(pk=registry.record_report(None, report, channel, user_id=user.pk))


def kiosk_screen(token, channel: str = "chan.k", **changes) -> Screen:
    report = parse_screen(kiosk_report(**changes), kiosk=True)
    return Screen.objects.get(pk=registry.record_report(None, report, channel, kiosk_id=token.pk))


@pytest.fixture
def alice():
    return User.objects.create_user("alice")


def test_a_first_report_registers_a_persons_browser_connected_from_now(alice):
    screen = page_screen(alice)
    assert screen.key == f"page:{alice.pk}:b7e1c0ffee5eed42"
    assert (screen.name, screen.user, screen.kiosk, screen.kind) == (
        "Ops laptop",
        alice,
        None,
        "page",
    )
    assert (screen.shows, screen.latency_s, screen.data_age_s) == ("fleet", 0.12, 0.8)
    assert (screen.browser, screen.resolution) == ("Chrome 120, Linux", "1920x1080 @1x")
    assert screen.disconnected_at is None and screen.channel_name == "chan.a"
    assert timezone.now() - screen.connected_at < timedelta(seconds=5)


def test_a_later_report_is_a_heartbeat_that_keeps_the_connection_time(alice):
    screen = page_screen(alice)
    Screen.objects.filter(pk=screen.pk).update(
        connected_at=screen.connected_at - timedelta(hours=2),
        last_heartbeat_at=screen.last_heartbeat_at - timedelta(seconds=9),
    )
    report = parse_screen(page_report(shows="ops", latency_s=None), kiosk=False)
    assert registry.record_report(screen.pk, report, "chan.a", user_id=alice.pk) == screen.pk
    again = Screen.objects.get(pk=screen.pk)
    assert (again.shows, again.latency_s) == ("ops", None)
    assert again.connected_at == screen.connected_at - timedelta(hours=2)
    assert again.last_heartbeat_at > screen.last_heartbeat_at


def test_a_kiosk_is_named_by_its_token_whatever_its_page_says():
    token, _ = create_kiosk("fleet", "NOC left")
    screen = kiosk_screen(token, key="someone-elses-key", name="Not me")
    assert (screen.key, screen.name, screen.kiosk, screen.user) == (
        f"kiosk:{token.pk}",
        "NOC left",
        token,
        None,
    )
    assert kiosk_screen(token).pk == screen.pk  # the same wall, back again: the same row


def test_two_people_with_the_same_browser_id_are_two_screens(alice):
    bob = User.objects.create_user("bob")
    assert page_screen(alice).pk != page_screen(bob).pk


def test_a_screen_is_online_until_it_disconnects_or_misses_its_heartbeats(alice):
    screen = page_screen(alice)
    now = screen.last_heartbeat_at
    assert screen.online(now)
    assert screen.online(now + timedelta(seconds=OFFLINE_AFTER_S))
    assert not screen.online(now + timedelta(seconds=OFFLINE_AFTER_S + 1))
    registry.disconnected(screen.pk, "chan.a")
    screen.refresh_from_db()
    assert screen.disconnected_at is not None and not screen.online(now)


def test_the_row_outlives_the_socket_and_comes_back_online_with_it(alice):
    screen = page_screen(alice)
    registry.disconnected(screen.pk, "chan.a")
    assert registry.listing()["screens"][0]["state"] == "offline"
    assert page_screen(alice, channel="chan.b").pk == screen.pk
    [row] = registry.listing()["screens"]
    assert (row["state"], row["online"]) == ("online", True)


def test_closing_one_tab_leaves_online_the_tab_that_reported_last(alice):
    screen = page_screen(alice, channel="chan.a")
    page_screen(alice, channel="chan.b")  # a second tab of the same browser and name
    registry.disconnected(screen.pk, "chan.a")
    screen.refresh_from_db()
    assert screen.disconnected_at is None and screen.channel_name == "chan.b"


def test_a_report_after_an_admin_deleted_the_row_registers_again(alice):
    screen = page_screen(alice)
    Screen.objects.filter(pk=screen.pk).delete()
    report = parse_screen(page_report(), kiosk=False)
    pk = registry.record_report(screen.pk, report, "chan.a", user_id=alice.pk)
    assert pk != screen.pk and Screen.objects.filter(pk=pk).exists()


def test_the_listing_has_kiosks_first_then_pages_and_kiosks_that_never_came(alice):
    left, _ = create_kiosk("fleet", "NOC left")
    create_kiosk("fleet", "NOC right")
    revoked, _ = create_kiosk("fleet", "Lobby")
    revoked.revoked_at = timezone.now()
    revoked.save()
    page_screen(alice)
    kiosk_screen(left)
    rows = registry.listing()["screens"]
    assert [(r["name"], r["kind"], r["state"]) for r in rows] == [
        ("NOC left", "kiosk", "online"),
        ("NOC right", "kiosk", "never"),
        ("Ops laptop", "page", "online"),
    ]
    assert rows[0]["assigned"] == "dashboard fleet" and rows[2]["user"] == "alice"
    assert rows[1]["id"] is None and rows[1]["kiosk_id"] is not None


def test_a_screen_whose_token_was_revoked_says_so():
    token, _ = create_kiosk("fleet", "NOC left")
    kiosk_screen(token)
    token.revoked_at = timezone.now()
    token.save()
    assert registry.listing()["screens"][0]["state"] == "revoked"


def test_a_listing_row_says_when_and_how_long_ago(alice):
    screen = page_screen(alice)
    later = screen.last_heartbeat_at + timedelta(seconds=12)
    [row] = registry.listing(later)["screens"]
    assert row["heartbeat_age_s"] == pytest.approx(12)
    assert row["connected_at"] == pytest.approx(screen.connected_at.timestamp())
    assert row["disconnected_at"] is None and row["latency_s"] == 0.12
