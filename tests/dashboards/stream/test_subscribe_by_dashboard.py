"""A subscribe by saved dashboard or playlist, and the `dashboard` frame every socket gets when
one changes: through the real ASGI application over the real Redis channel layer."""

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.test import Client

from dashboards.stream import protocol as p
from dashboards.walls import changes
from dashboards.walls.files import import_dashboards
from dashboards.walls.models import Dashboard, KioskToken
from tests.dashboards.access.test_revocation import open_screen
from tests.dashboards.stream.streaming import make_publisher, publish, receive_type, send
from tests.dashboards.stream.test_kiosk_socket import ALPHA_ONLY, kiosk_screen, new_kiosk

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("live_settings")]

CLOCK = {"schema": 1, "panels": [{"id": "c", "type": "clock", "x": 0, "y": 0, "w": 2, "h": 2}]}
GRID = {"schema": 1, "panels": [{"id": "g", "type": "hosts", "x": 0, "y": 0, "w": 12, "h": 4}]}


@pytest.fixture(autouse=True)
def boards(db):
    import_dashboards({
        "dashboards": [
            {"slug": "alpha", "layout": ALPHA_ONLY},
            {"slug": "clock", "layout": CLOCK},
            {"slug": "grid", "layout": GRID},
        ],
        "playlists": [
            {"name": "turns", "entries": [{"dashboard": "clock"}, {"dashboard": "alpha"}]}
        ],
    })  # fmt: skip


async def person():
    user = await sync_to_async(User.objects.create_user)("viewer-1", password="pw-1234567890")
    client = Client()
    await sync_to_async(client.force_login)(user)
    return await open_screen(user, client)


def test_the_dashboard_frame_type_is_the_protocols():
    assert changes.FRAME_TYPE == p.DASHBOARD and p.DASHBOARD in p.SERVER_TYPES


async def test_a_subscribe_by_dashboard_follows_what_its_panels_need():
    publisher = make_publisher("alpha")
    await publish(publisher, 2)
    screen = await person()
    await send(screen, {"type": "subscribe", "dashboard": "alpha"})
    assert (await receive_type(screen, "subscribed"))["hosts"] == ["alpha"]
    backfill = await receive_type(screen, "samples")
    assert [s["seq"] for s in backfill["samples"]] == [1, 2]
    # a stat of a headline figure makes do with the summary view: no full sample's `summary`
    assert "summary" not in backfill["samples"][0]
    await screen.disconnect()


async def test_a_subscribe_by_playlist_follows_the_union_and_a_clock_nothing():
    publisher = make_publisher("alpha")
    await publish(publisher, 1)
    screen = await person()
    await send(screen, {"type": "subscribe", "dashboard": "clock"})
    assert (await receive_type(screen, "subscribed"))["hosts"] == []
    await send(screen, {"type": "subscribe", "playlist": "turns"})
    assert (await receive_type(screen, "subscribed"))["hosts"] == ["alpha"]
    await screen.disconnect()


@pytest.mark.parametrize(
    ("message", "says"),
    [
        ({"dashboard": "nope"}, "there is no dashboard 'nope'"),
        ({"playlist": "nope"}, "there is no playlist 'nope'"),
        ({"dashboard": "alpha", "hosts": ["alpha"]}, "one of 'hosts', 'dashboard' or 'playlist'"),
        ({"dashboard": "alpha", "playlist": "turns"}, "one of 'hosts', 'dashboard' or 'playlist'"),
        ({"dashboard": "../etc"}, "'dashboard' must be a slug"),
        ({"dashboard": 7}, "'dashboard' must be a slug"),
    ],
)
async def test_a_bad_dashboard_or_playlist_is_a_bad_field_and_the_socket_stays(message, says):
    screen = await person()
    await send(screen, {"type": "subscribe", **message})
    error = await receive_type(screen, "error")
    assert error["code"] == p.BAD_FIELD and says in error["message"], error
    await send(screen, {"type": "ping"})
    await receive_type(screen, "pong")
    await screen.disconnect()


async def test_a_kiosk_may_subscribe_by_its_own_dashboard_not_by_a_wider_one():
    screen = await kiosk_screen(await new_kiosk("alpha", "alpha wall"))
    await send(screen, {"type": "subscribe", "dashboard": "alpha"})
    assert (await receive_type(screen, "subscribed"))["hosts"] == ["alpha"]
    await send(screen, {"type": "subscribe", "dashboard": "grid"})
    error = await receive_type(screen, "error")
    assert error["code"] == p.FORBIDDEN, error
    await screen.disconnect()


async def test_saving_a_dashboard_tells_every_socket():
    screen = await person()
    kiosk = await kiosk_screen(await new_kiosk("alpha", "alpha wall"))

    def edit():
        board = Dashboard.objects.get(slug="alpha")
        board.title = "Alpha, renamed"
        board.save()

    await sync_to_async(edit)()
    for socket in (screen, kiosk):
        frame = await receive_type(socket, p.DASHBOARD)
        assert frame == {"type": "dashboard", "event": "changed", "dashboard": "alpha"}
    await sync_to_async(lambda: Dashboard.objects.filter(slug="clock").delete())()
    # its playlist entry goes with it: the playlist changed too
    frames = [await receive_type(screen, p.DASHBOARD) for _ in range(2)]
    assert {"type": "dashboard", "event": "deleted", "dashboard": "clock"} in frames
    assert {"type": "dashboard", "event": "changed", "playlist": "turns"} in frames
    await screen.disconnect()
    await kiosk.disconnect()


async def test_switching_a_kiosk_token_tells_its_screen():
    kiosk = await kiosk_screen(await new_kiosk("alpha", "alpha wall"))

    def switch():
        token = KioskToken.objects.get(name="alpha wall")
        token.dashboard = Dashboard.objects.get(slug="grid")
        token.save()

    await sync_to_async(switch)()
    frame = await receive_type(kiosk, p.DASHBOARD)
    assert frame == {"type": "dashboard", "event": "changed", "kiosk": "alpha wall"}
    await kiosk.disconnect()
