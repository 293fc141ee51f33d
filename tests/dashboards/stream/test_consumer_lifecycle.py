"""A consumer always lets go: closed, crashed or killed, with Redis there or gone, fast or slow
client. Over the real Redis channel layer; what it held is read back from Redis itself."""

import asyncio
from unittest import mock

import pytest
import redis
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings

from core.layer import host_group
from dashboards.stream import backfill_pacing, background
from dashboards.stream.consumers import LiveConsumer
from dashboards.stream.reclaim import RECLAIMER
from dashboards.stream.redis_watch import RedisWatch
from dashboards.stream.stats import STATS
from dashboards.stream.web_server import BACKLOG_EXTENSION
from tests.dashboards.stream.streaming import (
    connect,
    eventually,
    make_publisher,
    publish,
    receive,
    receive_type,
    send,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("live_settings")]


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("screen", password="not-used-here-1")


@pytest.fixture
def store() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


def subscribers(store: redis.Redis, group: str) -> int:
    """Redis's own count of this process's subscriptions to a channel-layer group."""
    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    return dict(store.pubsub_numsub(f"{prefix}__group__{group}"))[
        f"{prefix}__group__{group}".encode()
    ]


async def host_page(user, host: str = "alpha") -> WebsocketCommunicator:
    ws = await connect(user)
    await receive_type(ws, "hello")
    await send(ws, {"type": "subscribe", "hosts": [host], "backfill_s": 0})
    await receive_type(ws, "hosts")  # after "subscribed": nothing more is on its way
    return ws


async def test_a_closed_socket_is_uncounted_and_leaves_its_groups(user, store):
    await publish(make_publisher("alpha"))
    clients = STATS.clients
    ws = await host_page(user)
    assert STATS.clients == clients + 1
    assert subscribers(store, host_group("alpha")) == 1
    await ws.disconnect()
    assert STATS.clients == clients
    await eventually(lambda: subscribers(store, host_group("alpha")) == 0, what="the group left")


async def test_a_handler_that_raises_still_releases_the_socket(user, store):
    await publish(make_publisher("alpha"))
    clients = STATS.clients
    ws = await host_page(user)
    with mock.patch.object(LiveConsumer, "_ping", side_effect=RuntimeError("a bug")):
        await send(ws, {"type": "ping"})
        with pytest.raises(RuntimeError, match="a bug"):
            await ws.receive_output(5)
    assert STATS.clients == clients
    await eventually(lambda: subscribers(store, host_group("alpha")) == 0, what="the group left")


async def test_a_consumer_the_server_kills_still_releases_the_socket(user, store):
    """What Daphne does to an application that does not finish after its client left."""
    await publish(make_publisher("alpha"))
    clients = STATS.clients
    ws = await host_page(user)
    ws.future.cancel()
    with pytest.raises(asyncio.CancelledError):
        await ws.future
    assert STATS.clients == clients
    await eventually(lambda: subscribers(store, host_group("alpha")) == 0, what="the group left")


async def test_a_socket_opened_while_the_layer_cannot_reach_redis_is_told_4503(user, tmp_path):
    dead = f"unix://{tmp_path}/nobody-listens.sock"
    settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] = [dead]
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    ws = WebsocketCommunicator(LiveConsumer.as_asgi(), "/ws/live/")
    ws.scope["user"] = user
    connected, _ = await ws.connect()
    assert connected  # accepted, not an HTTP 500: the client learns why
    error = await receive(ws)
    assert (error["type"], error["code"]) == ("error", "unavailable")
    assert await ws.receive_output(5) == {"type": "websocket.close", "code": 4503}


class DeadPing:
    async def ping(self):
        raise redis.ConnectionError("Redis is gone")


async def test_when_redis_goes_every_open_screen_is_told_and_the_layer_starts_over(user, store):
    await publish(make_publisher("alpha"))
    ws = await host_page(user)
    watch = background.redis_watch()
    layer = get_channel_layer()._get_layer()
    assert layer.groups
    live_probe, watch._client = watch._client, DeadPing()
    await watch.check()
    assert watch.available  # one missed ping is not an outage
    await watch.check()
    assert not watch.available
    error = await receive(ws)
    assert (error["type"], error["code"]) == ("error", "unavailable")
    assert await ws.receive_output(5) == {"type": "websocket.close", "code": 4503}
    assert layer.groups == {} and layer.channels == {}
    # Until Redis answers, a new screen is told the same without touching the layer.
    refused = await connect(user)
    assert (await receive(refused))["code"] == "unavailable"
    watch._client = live_probe
    await watch.check()
    assert watch.available
    again = await connect(user)
    assert (await receive(again))["type"] == "hello"
    await again.disconnect()


def scope_with_backlog(user, unsent: list[int]) -> WebsocketCommunicator:
    ws = WebsocketCommunicator(LiveConsumer.as_asgi(), "/ws/live/")
    ws.scope["user"] = user
    ws.scope["extensions"] = {BACKLOG_EXTENSION: {"unsent_bytes": lambda: unsent[0]}}
    return ws


async def test_a_client_that_reads_nothing_of_its_backfill_is_dropped_with_4008(user):
    await publish(make_publisher("alpha"), 5)
    drops = STATS.drops.get("too_slow", 0)
    ws = scope_with_backlog(user, [backfill_pacing.BACKFILL_AHEAD_BYTES + 1])
    with mock.patch.object(backfill_pacing, "BACKFILL_STALL_S", 0.3):
        assert (await ws.connect())[0]
        await receive_type(ws, "hello")
        await send(ws, {"type": "subscribe", "hosts": ["alpha"]})
        await receive_type(ws, "hosts")
        assert await ws.receive_output(5) == {"type": "websocket.close", "code": 4008}
    assert STATS.drops["too_slow"] == drops + 1


async def test_a_backfill_waits_for_the_client_to_read_and_then_goes_on(user):
    await publish(make_publisher("alpha"), 5)
    unsent = [backfill_pacing.BACKFILL_AHEAD_BYTES + 1]
    ws = scope_with_backlog(user, unsent)
    assert (await ws.connect())[0]
    await receive_type(ws, "hello")
    await send(ws, {"type": "subscribe", "hosts": ["alpha"]})
    await receive_type(ws, "hosts")
    assert await ws.receive_nothing(0.3)  # held back while the client has a megabyte unread
    unsent[0] = 0  # it read
    backfill = await receive_type(ws, "samples")
    assert [s["seq"] for s in backfill["samples"]] == [1, 2, 3, 4, 5]
    await ws.disconnect()


async def test_every_disconnect_is_counted_for_the_memory_reclaimer(user):
    pending = RECLAIMER.pending
    ws = await connect(user)
    await receive_type(ws, "hello")
    await ws.disconnect()
    assert RECLAIMER.pending == pending + 1


def test_the_watch_needs_two_missed_pings_to_call_an_outage():
    watch = RedisWatch(DeadPing(), layer=None)
    asyncio.run(watch.check())
    assert watch.available
