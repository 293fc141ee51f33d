"""/screens/ and its commands through Django's test client: admins only, CSRF-protected, and a
command sent over the real Redis channel layer to the screen's group, and to no other."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from dashboards.screens import registry
from dashboards.screens.commands import SCREEN_COMMAND, screen_group
from dashboards.screens.models import Screen
from dashboards.screens.reports import parse_screen
from dashboards.walls.kiosks import create_kiosk
from dashboards.walls.models import Dashboard, KioskToken, Playlist, PlaylistEntry
from tests.dashboards.screens.reports import kiosk_report, page_report

pytestmark = pytest.mark.django_db
PAGES = ("/screens/", "/screens/screens.json")
ACTIONS = ("reload", "identify", "show")


def client_for(role: str | None, csrf: bool = False) -> Client:
    user = User.objects.create_user(role or "nobody", is_superuser=role == "superuser")
    if role in ("viewer", "responder", "admin"):
        user.groups.add(Group.objects.get(name=role))
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def kiosk_screen(name: str = "NOC left", channel: str = "chan.k") -> Screen:
    token, _ = create_kiosk("fleet", name)
    report = parse_screen(kiosk_report(), kiosk=True)
    return Screen.objects.get(pk=registry.record_report(None, report, channel, kiosk_id=token.pk))


def page_screen(user: User, channel: str = "chan.p") -> Screen:
    report = parse_screen(page_report(), kiosk=False)
    return Screen.objects.get(pk=registry.record_report(None, report, channel, user_id=user.pk))


def gone_dark(screen: Screen) -> None:
    Screen.objects.filter(pk=screen.pk).update(disconnected_at=timezone.now())


def test_anonymous_visitors_are_sent_to_the_login_page():
    for path in (*PAGES, "/screens/1/reload"):
        response = Client().post(path) if path.endswith("reload") else Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["viewer", "responder", None])
def test_everyone_but_an_admin_is_refused(role):
    screen = kiosk_screen()
    client = client_for(role)
    for path in PAGES:
        assert client.get(path).status_code == 403, path
    for action in ACTIONS:
        assert (
            client.post(f"/screens/{screen.pk}/{action}", {"dashboard": "fleet"}).status_code == 403
        )
    assert KioskToken.objects.get().dashboard.slug == "fleet"


@pytest.mark.parametrize("role", ["admin", "superuser"])
def test_an_admin_sees_every_screen(role):
    kiosk_screen()
    client = client_for(role)
    page = client.get("/screens/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="screens-initial"' in html and "js/pages/screens.js" in html and "NOC left" in html
    assert 'class="nav-screens"' in html
    listing = client.get("/screens/screens.json").json()
    assert [(row["name"], row["state"]) for row in listing["screens"]] == [("NOC left", "online")]


def test_the_nav_links_the_registry_for_admins_only():
    assert 'class="nav-screens"' not in client_for("viewer").get("/d/").content.decode()
    assert 'class="nav-screens"' in client_for("admin").get("/d/").content.decode()


def test_a_command_without_the_pages_csrf_token_is_refused():
    screen = kiosk_screen()
    client = client_for("admin", csrf=True)
    for action in ACTIONS:
        response = client.post(f"/screens/{screen.pk}/{action}", {"dashboard": "fleet"})
        assert response.status_code == 403, action
    client.get("/screens/")  # the page sets the cookie; the JS sends it back as the header
    token = client.cookies["csrftoken"].value
    gone_dark(screen)
    response = client.post(f"/screens/{screen.pk}/reload", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 409  # past the CSRF check, and the screen is offline


def test_commands_to_an_unknown_screen_are_404():
    client = client_for("admin")
    for action in ACTIONS:
        assert client.post(f"/screens/999/{action}", {"dashboard": "fleet"}).status_code == 404


@pytest.mark.parametrize("action", ["reload", "identify"])
def test_an_offline_screen_cannot_be_reloaded_or_identified(action):
    screen = kiosk_screen()
    gone_dark(screen)
    response = client_for("admin").post(f"/screens/{screen.pk}/{action}")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "offline"


def test_a_screen_silent_for_too_long_is_offline_too():
    screen = kiosk_screen()
    Screen.objects.filter(pk=screen.pk).update(
        last_heartbeat_at=timezone.now() - timezone.timedelta(seconds=30)
    )
    assert client_for("admin").post(f"/screens/{screen.pk}/identify").status_code == 409


def test_switching_an_offline_kiosk_is_kept_for_when_it_comes_back():
    Dashboard.objects.create(slug="ops", title="Ops", layout=Dashboard.objects.get().layout)
    screen = kiosk_screen()
    gone_dark(screen)
    response = client_for("admin").post(f"/screens/{screen.pk}/show", {"dashboard": "ops"})
    assert response.status_code == 200
    assert response.json() == {"sent": False, "saved": True, "screen": "NOC left"}
    assert KioskToken.objects.get().dashboard.slug == "ops"


def test_switching_a_kiosk_to_a_playlist_and_back_to_a_dashboard():
    playlist = Playlist.objects.create(name="noc")
    PlaylistEntry.objects.create(playlist=playlist, dashboard=Dashboard.objects.get(), seconds=30)
    screen = kiosk_screen()
    gone_dark(screen)
    client = client_for("admin")
    assert client.post(f"/screens/{screen.pk}/show", {"playlist": "noc"}).status_code == 200
    token = KioskToken.objects.get()
    assert (token.playlist, token.dashboard.slug) == (playlist, "fleet")
    assert client.get("/screens/screens.json").json()["screens"][0]["assigned"] == "playlist noc"
    assert client.post(f"/screens/{screen.pk}/show", {"dashboard": "fleet"}).status_code == 200
    assert KioskToken.objects.get().playlist is None


@pytest.mark.parametrize(
    "form",
    [{}, {"dashboard": "fleet", "playlist": "noc"}, {"dashboard": "nope"}, {"playlist": "empty"}],
)
def test_a_switch_names_one_dashboard_or_one_playlist_with_dashboards(form):
    Playlist.objects.create(name="empty")
    screen = kiosk_screen()
    response = client_for("admin").post(f"/screens/{screen.pk}/show", form)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_field"


def test_an_offline_persons_page_cannot_be_switched():
    admin = client_for("admin")
    screen = page_screen(User.objects.create_user("alice"))
    gone_dark(screen)
    response = admin.post(f"/screens/{screen.pk}/show", {"dashboard": "fleet"})
    assert response.status_code == 409 and response.json()["error"]["code"] == "offline"


def test_a_revoked_kiosk_cannot_be_switched():
    screen = kiosk_screen()
    KioskToken.objects.update(revoked_at=timezone.now())
    response = client_for("admin").post(f"/screens/{screen.pk}/show", {"dashboard": "fleet"})
    assert response.status_code == 409 and response.json()["error"]["code"] == "gone"


# --- over the real channel layer -------------------------------------------------------------


@pytest.fixture
def fleet(db):
    """The built-in dashboard (a transactional test starts from an empty database)."""
    from importlib import import_module

    layout = import_module("dashboards.walls.migrations.0002_fleet").FLEET_LAYOUT
    Dashboard.objects.get_or_create(slug="fleet", defaults={"title": "Fleet", "layout": layout})


async def listening(group: str) -> str:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    return channel


async def heard(channel: str, wait: float = 5) -> dict:
    return await asyncio.wait_for(get_channel_layer().receive(channel), wait)


async def nothing_heard(channel: str) -> None:
    """No message within half a second (the channel leaves its groups: check it last)."""
    with pytest.raises(asyncio.TimeoutError):
        await heard(channel, wait=0.5)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("live_settings", "fleet")
async def test_commands_reach_the_chosen_screens_group_and_no_other():
    left, right = (
        await sync_to_async(kiosk_screen)(),
        await sync_to_async(kiosk_screen)("NOC right"),
    )
    admin = await sync_to_async(client_for)("superuser")  # no groups: the database is flushed
    on_left, on_right = (
        await listening(screen_group(left.pk)),
        await listening(screen_group(right.pk)),
    )

    assert (await sync_to_async(admin.post)(f"/screens/{left.pk}/identify")).status_code == 200
    response = await sync_to_async(admin.post)(f"/screens/{right.pk}/show", {"dashboard": "fleet"})
    assert response.json() == {"sent": True, "saved": True, "screen": "NOC right"}
    # Each group's first message is its own command: the other one's would have come first.
    identify = {"type": SCREEN_COMMAND, "command": "identify", "name": "NOC left"}
    assert await heard(on_left) == identify
    assert await heard(on_right) == {"type": SCREEN_COMMAND, "command": "reload"}
    await nothing_heard(on_left)  # last: a receive given up on leaves the group


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("live_settings", "fleet")
async def test_a_persons_page_is_sent_to_the_new_page_keeping_its_screen_name():
    alice = await sync_to_async(User.objects.create_user)("alice")
    screen = await sync_to_async(page_screen)(alice)
    admin = await sync_to_async(client_for)("superuser")  # no groups: the database is flushed
    on_page = await listening(screen_group(screen.pk))
    response = await sync_to_async(admin.post)(f"/screens/{screen.pk}/show", {"dashboard": "fleet"})
    assert response.status_code == 200
    command = await heard(on_page)
    assert (command["command"], command["url"]) == ("show", "/d/fleet/?screen=Ops+laptop")
