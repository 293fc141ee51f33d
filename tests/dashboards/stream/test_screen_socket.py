"""Screens registering over their sockets: kiosks through the real ASGI application, a person's
page through the consumer, over the real Redis channel layer; an admin's command through the
view reaches the chosen socket only."""

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from dashboards.screens.models import Screen
from tests.dashboards.screens.reports import kiosk_report, page_report
from tests.dashboards.stream.streaming import connect, receive, receive_type, send
from tests.dashboards.stream.test_kiosk_socket import (
    fleet,  # noqa: F401 - autouse fixture
    kiosk_screen,
    new_kiosk,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("live_settings")]


async def reported(socket, message: dict) -> None:
    """Send a report; the pong after it means it was handled (a socket's messages are handled
    in order), its row written and its group joined. A good report gets no answer of its own."""
    await send(socket, message)
    await send(socket, {"type": "ping"})
    assert (await receive(socket))["type"] == "pong"


async def screen_named(name: str) -> Screen:
    return await sync_to_async(Screen.objects.select_related("kiosk", "user").get)(name=name)


async def admin_client(django_user_model) -> Client:
    def signed_in() -> Client:
        admin = django_user_model.objects.create_user("boss", is_superuser=True)
        client = Client()
        client.force_login(admin)
        return client

    return await sync_to_async(signed_in)()


async def until_offline(name: str, within_s: float = 5) -> Screen:
    deadline = time.monotonic() + within_s
    while (screen := await screen_named(name)).disconnected_at is None:
        assert time.monotonic() < deadline, f"{name} never went offline"
        await asyncio.sleep(0.05)
    return screen


async def test_a_kiosk_registers_under_its_tokens_name_whatever_its_page_says():
    wall = await kiosk_screen(await new_kiosk())
    await reported(wall, kiosk_report(key="forged-key-123", name="Boss's laptop"))
    screen = await screen_named("NOC left")
    assert screen.key == f"kiosk:{screen.kiosk.pk}" and screen.user is None
    assert (screen.shows, screen.resolution, screen.browser) == (
        "fleet",
        "1920x1080 @1x",
        "Chrome 120, Linux",
    )
    assert screen.disconnected_at is None and screen.channel_name
    await wall.disconnect()


async def test_a_persons_page_registers_as_their_browser(django_user_model):
    alice = await sync_to_async(django_user_model.objects.create_user)("alice")
    page = await connect(alice)
    await receive_type(page, "hello")
    await reported(page, page_report())
    screen = await screen_named("Ops laptop")
    assert (screen.key, screen.user_id, screen.kiosk) == (
        f"page:{alice.pk}:b7e1c0ffee5eed42",
        alice.pk,
        None,
    )
    await page.disconnect()


async def test_a_bad_report_is_refused_naming_the_field_and_the_socket_stays_usable():
    wall = await kiosk_screen(await new_kiosk())
    await send(wall, kiosk_report(dpr=float("inf")))
    error = await receive_type(wall, "error")
    assert error["code"] == "bad_field" and error["message"].startswith("'dpr'")
    await reported(wall, kiosk_report())  # and a good one after it is taken
    assert await sync_to_async(Screen.objects.count)() == 1
    await wall.disconnect()


async def test_closing_the_socket_keeps_the_row_offline_until_the_wall_is_back():
    secret = await new_kiosk()
    wall = await kiosk_screen(secret)
    await reported(wall, kiosk_report())
    first = await screen_named("NOC left")
    await wall.disconnect()
    gone = await until_offline("NOC left")
    assert gone.pk == first.pk and not gone.online(gone.disconnected_at)
    back = await kiosk_screen(secret)
    await reported(back, kiosk_report())
    again = await screen_named("NOC left")
    assert again.pk == first.pk and again.disconnected_at is None
    assert again.connected_at > first.connected_at
    await back.disconnect()


async def test_a_command_reaches_the_chosen_screen_and_no_other(django_user_model):
    left = await kiosk_screen(await new_kiosk(name="NOC left"))
    right = await kiosk_screen(await new_kiosk(name="NOC right"))
    await reported(left, kiosk_report())
    await reported(right, kiosk_report())
    admin = await admin_client(django_user_model)
    chosen = await screen_named("NOC right")

    response = await sync_to_async(admin.post)(f"/screens/{chosen.pk}/identify")
    assert response.status_code == 200
    command = await receive_type(right, "command")
    assert command == {"type": "command", "command": "identify", "name": "NOC right"}
    response = await sync_to_async(admin.post)(f"/screens/{chosen.pk}/reload")
    assert (await receive_type(right, "command"))["command"] == "reload"

    # The other wall heard neither: the next frame it gets is the answer to its own ping.
    await send(left, {"type": "ping"})
    assert (await receive(left))["type"] == "pong"
    await left.disconnect()
    await right.disconnect()
