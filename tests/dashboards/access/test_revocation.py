"""A session that ends ends its sockets: the consumer over the real Redis channel layer, the
access channel and the database, as in the web process."""

from datetime import timedelta

import pytest
import redis
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from core.redis_keys import RedisKeys
from dashboards.stream.consumers import LiveConsumer
from tests.dashboards.stream.streaming import eventually, receive, receive_type

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("live_settings")]

PASSWORD = "correct-horse-battery-9"


def sign_in(username: str) -> Client:
    client = Client()
    assert (
        client.post("/accounts/login/", {"username": username, "password": PASSWORD}).status_code
        == 302
    )
    return client


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("screen", password=PASSWORD)


async def open_screen(user, client: Client) -> WebsocketCommunicator:
    """A socket as the auth middleware hands it to the consumer: the user and their session."""
    communicator = WebsocketCommunicator(LiveConsumer.as_asgi(), "/ws/live/")
    communicator.scope["user"] = user
    communicator.scope["session"] = SessionStore(session_key=client.session.session_key)
    connected, _ = await communicator.connect()
    assert connected
    await receive_type(communicator, "hello")
    return communicator


async def access_channel_listened(settings) -> None:
    """Until this process's access watch listens (it starts with the first socket)."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    channel = RedisKeys(settings.MONITOR_REDIS_PREFIX).access_channel
    listened = lambda: client.pubsub_numsub(channel)[0][1] >= 1  # noqa: E731
    await eventually(listened, what="the access watch listening")


async def closed_signed_out(communicator: WebsocketCommunicator, wait: float = 5) -> str:
    error = await receive(communicator, wait)
    assert error["type"] == "error" and error["code"] == "signed_out", error
    assert await communicator.receive_output(wait) == {"type": "websocket.close", "code": 4401}
    return error["message"]


async def still_open(communicator: WebsocketCommunicator) -> None:
    await communicator.send_json_to({"type": "ping"})
    assert (await receive(communicator))["type"] == "pong"


async def test_logging_out_closes_that_sessions_sockets_and_no_other(user, settings):
    laptop, wall = await sync_to_async(sign_in)("screen"), await sync_to_async(sign_in)("screen")
    on_laptop, on_wall = await open_screen(user, laptop), await open_screen(user, wall)
    await access_channel_listened(settings)
    await sync_to_async(laptop.post)("/accounts/logout/")
    assert "signed out" in await closed_signed_out(on_laptop)
    await still_open(on_wall)
    await on_wall.disconnect()


@pytest.mark.parametrize("change", ["deactivate", "new password", "delete"])
async def test_an_account_that_loses_access_loses_every_socket(user, settings, change):
    first, second = await sync_to_async(sign_in)("screen"), await sync_to_async(sign_in)("screen")
    sockets = [await open_screen(user, first), await open_screen(user, second)]
    await access_channel_listened(settings)

    def lose_access():
        if change == "deactivate":
            user.is_active = False
            user.save()
        elif change == "new password":
            user.set_password("another-horse-battery-9")
            user.save()
        else:
            user.delete()

    await sync_to_async(lose_access)()
    for socket in sockets:
        await closed_signed_out(socket)


async def test_an_expired_session_is_closed_by_the_sweep(user, settings):
    client = await sync_to_async(sign_in)("screen")
    screen = await open_screen(user, client)
    key = client.session.session_key
    # Nothing announces an expiry: the sweep finds it (every SWEEP_S).
    await sync_to_async(Session.objects.filter(session_key=key).update)(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    await closed_signed_out(screen, wait=15)


async def test_a_change_made_while_nobody_listened_is_caught_by_the_sweep(user, settings):
    client = await sync_to_async(sign_in)("screen")
    screen = await open_screen(user, client)
    # Straight to the database: no signal, no announcement (as a bulk update or a SQL shell).
    await sync_to_async(type(user).objects.filter(pk=user.pk).update)(is_active=False)
    await closed_signed_out(screen, wait=15)


def test_an_account_change_is_announced_only_once_it_is_saved(user, monkeypatch):
    """A socket closed before the commit could reconnect on the old password at once."""
    from django.db import transaction

    from dashboards.access import signals

    seen = []

    def announce(**message):
        fresh = type(user).objects.get(pk=user.pk)
        seen.append((message["why"], fresh.password == user.password, fresh.is_active))

    monkeypatch.setattr(signals, "announce", announce)
    with transaction.atomic():
        user.set_password("another-horse-battery-9")
        user.save()
        assert seen == []  # not while the transaction may still roll back
    user.is_active = False
    user.save()
    assert seen == [("password changed", True, True), ("account deactivated", True, False)]


async def test_the_sweep_outlives_an_unexpected_error(user, monkeypatch):
    from dashboards.access import revocation

    def broken(sessions):
        raise RuntimeError("something nobody expected")

    monkeypatch.setattr(revocation, "ended_sessions", broken)
    screen = type("Screen", (), {})()
    revocation.HOLDERS[screen] = revocation.Holder(1, "k" * 32)
    try:
        watch = revocation.AccessWatch(client=None, channel="unused")
        assert await watch.sweep() == 0  # logged, and the next sweep runs as usual
    finally:
        revocation.HOLDERS.pop(screen, None)
