"""The socket's session lookup: Django's rules, and one bulk query for handshakes that arrive
together (a reconnect storm), through the real ASGI application."""

import asyncio
from unittest import mock

import pytest
from channels.db import DatabaseSyncToAsync
from channels.testing import WebsocketCommunicator
from django.test import Client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("live_settings")]

PASSWORD = "correct-horse-battery-9"


def session_cookies(django_user_model, count: int) -> list[bytes]:
    django_user_model.objects.create_user("wall", password=PASSWORD)
    cookies = []
    for _ in range(count):  # a session per screen, as walls have
        client = Client()
        assert (
            client.post("/accounts/login/", {"username": "wall", "password": PASSWORD}).status_code
            == 302
        )
        cookies.append(f"sessionid={client.cookies['sessionid'].value}".encode())
    return cookies


async def open_socket(application, cookie: bytes) -> WebsocketCommunicator:
    headers = [(b"host", b"localhost"), (b"origin", b"http://localhost"), (b"cookie", cookie)]
    return WebsocketCommunicator(application, "/ws/live/", headers=headers)


async def test_handshakes_that_arrive_together_share_their_lookups(django_user_model):
    from asgiref.sync import sync_to_async

    from monitor.asgi import application

    cookies = await sync_to_async(session_cookies)(django_user_model, 20)
    cookies += [b"sessionid=" + b"f" * 32] * 5  # forged ones among them
    # and one the database would refuse to even look up (a NUL): it must not fail the batch
    cookies += [b'sessionid="\\000aaaaaaaa"']
    lookups = []
    wrapped = DatabaseSyncToAsync.thread_handler

    def counted(self, *args, **kwargs):
        if self.func.__name__ == "signed_in_users":
            lookups.append(self.func.__name__)
        return wrapped(self, *args, **kwargs)

    with mock.patch.object(DatabaseSyncToAsync, "thread_handler", counted):
        sockets = [await open_socket(application, cookie) for cookie in cookies]
        results = await asyncio.gather(*(ws.connect(10) for ws in sockets))
    connected = [ok for ok, _ in results]
    assert connected == [True] * 20 + [False] * 6
    # The first handshake's lookup runs alone; the others wait for it and go in one or two more.
    assert 1 <= len(lookups) <= 4, lookups
    for ws, ok in zip(sockets, connected, strict=True):
        if ok:
            await ws.disconnect()
