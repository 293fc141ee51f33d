"""The kiosk socket /ws/kiosk/<secret>/ through the real ASGI application (origin check, session
middleware, routing) over the real Redis channel layer, recent store and access channel."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from dashboards.walls.kiosks import create_kiosk
from dashboards.walls.models import Dashboard, KioskToken
from tests.dashboards.access.test_revocation import (
    PASSWORD,
    access_channel_listened,
    closed_signed_out,
    open_screen,
    still_open,
)
from tests.dashboards.stream.streaming import make_publisher, publish, receive_type, send

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("live_settings")]

SITE = "http://127.0.0.1:8000"
ALPHA_ONLY = {
    "schema": 1,
    "panels": [
        {"id": "cpu", "type": "stat", "x": 0, "y": 0, "w": 2, "h": 2,
         "host": "alpha", "metric": "cpu.percent"},
    ],
}  # fmt: skip


async def open_kiosk(secret: str, origin: str = SITE, cookie: str | None = None):
    from monitor.asgi import application

    headers = [(b"host", b"127.0.0.1:8000"), (b"origin", origin.encode())]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    communicator = WebsocketCommunicator(application, f"/ws/kiosk/{secret}/", headers=headers)
    connected, _ = await communicator.connect(10)
    return communicator, connected


async def kiosk_screen(secret: str, cookie: str | None = None) -> WebsocketCommunicator:
    communicator, connected = await open_kiosk(secret, cookie=cookie)
    assert connected
    await receive_type(communicator, "hello")
    return communicator


@pytest.fixture(autouse=True)
def fleet(db):
    """The built-in dashboard (a transactional test starts from an empty database)."""
    from importlib import import_module

    layout = import_module("dashboards.walls.migrations.0002_fleet").FLEET_LAYOUT
    Dashboard.objects.get_or_create(slug="fleet", defaults={"title": "Fleet", "layout": layout})


async def new_kiosk(slug: str = "fleet", name: str = "NOC left") -> str:
    return (await sync_to_async(create_kiosk)(slug, name))[1]


async def test_a_kiosk_socket_streams_its_dashboard_without_a_session():
    publisher = make_publisher("alpha")
    await publish(publisher, 2)
    screen = await kiosk_screen(await new_kiosk())
    await send(screen, {"type": "subscribe", "hosts": "*", "view": "summary"})
    assert (await receive_type(screen, "subscribed"))["hosts"] == ["alpha"]
    backfill = await receive_type(screen, "samples")
    assert [s["seq"] for s in backfill["samples"]] == [1, 2]
    await publish(publisher)
    live = await receive_type(screen, "samples")
    assert [(s["host"], s["seq"]) for s in live["samples"]] == [("alpha", 3)]
    await screen.disconnect()


@pytest.mark.parametrize("kind", ["ack", "unack"])
async def test_a_kiosk_cannot_acknowledge_and_its_socket_stays_usable(kind):
    screen = await kiosk_screen(await new_kiosk())
    await send(screen, {"type": kind, "id": 1, "comment": "from the wall"})
    error = await receive_type(screen, "error")
    assert error["code"] == "forbidden" and "read-only" in error["message"]
    await still_open(screen)
    await screen.disconnect()


async def test_a_kiosk_follows_only_the_hosts_its_dashboard_shows():
    await sync_to_async(Dashboard.objects.create)(slug="alpha", title="Alpha", layout=ALPHA_ONLY)
    await publish(make_publisher("alpha"))
    await publish(make_publisher("beta"))
    screen = await kiosk_screen(await new_kiosk("alpha"))
    for hosts in (["beta"], ["alpha", "beta"], "*"):
        await send(screen, {"type": "subscribe", "hosts": hosts})
        error = await receive_type(screen, "error")
        assert error["code"] == "forbidden", (hosts, error)
    await send(screen, {"type": "subscribe", "hosts": ["alpha"]})
    assert (await receive_type(screen, "subscribed"))["hosts"] == ["alpha"]
    await screen.disconnect()


async def test_revoking_closes_the_screens_socket_at_once(settings):
    secret = await new_kiosk()
    screen = await kiosk_screen(secret)
    other = await kiosk_screen(await new_kiosk(name="lobby"))
    await access_channel_listened(settings)
    await sync_to_async(call_command)("kiosk", "revoke", "NOC left")
    assert "revoked" in await closed_signed_out(screen)
    await still_open(other)
    await other.disconnect()
    # Reconnecting with it: accepted only to be told 4401 (the page then shows "revoked").
    again, connected = await open_kiosk(secret)
    assert connected
    await closed_signed_out(again)


async def test_a_token_revoked_behind_the_servers_back_is_closed_by_the_sweep():
    screen = await kiosk_screen(await new_kiosk())
    # Straight to the database: no signal, no announcement.
    await sync_to_async(KioskToken.objects.filter(name="NOC left").update)(
        revoked_at=timezone.now()
    )
    await closed_signed_out(screen, wait=15)


async def test_an_unknown_token_is_told_4401_and_a_foreign_page_is_refused():
    unknown, connected = await open_kiosk("k_" + "x" * 43)
    assert connected
    await closed_signed_out(unknown)
    _, connected = await open_kiosk(await new_kiosk(), origin="http://evil.example")
    assert not connected


async def test_a_persons_logout_never_touches_a_kiosk_socket_in_the_same_browser(
    django_user_model, settings
):
    def sign_in() -> Client:
        django_user_model.objects.create_user("boss", password=PASSWORD, is_superuser=True)
        client = Client()
        client.post("/accounts/login/", {"username": "boss", "password": PASSWORD})
        return client

    person = await sync_to_async(sign_in)()
    cookie = f"sessionid={person.cookies['sessionid'].value}"
    screen = await kiosk_screen(await new_kiosk(), cookie=cookie)
    boss = await sync_to_async(django_user_model.objects.get)(username="boss")
    own = await open_screen(boss, person)  # the person's own socket, to see the logout arrive
    await access_channel_listened(settings)
    # The superuser's cookie came along, yet the socket is the kiosk's: read-only.
    await send(screen, {"type": "ack", "id": 1})
    assert (await receive_type(screen, "error"))["code"] == "forbidden"
    await sync_to_async(person.post)("/accounts/logout/")
    await closed_signed_out(own)  # the logout reached this process...
    await still_open(screen)  # ...and left the kiosk alone
    await screen.disconnect()
