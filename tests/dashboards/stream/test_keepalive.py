"""The tick an idle socket gets, so that a page can tell a quiet stream from a stalled one."""

import asyncio
import time
from types import SimpleNamespace

import pytest

from dashboards.stream.keepalive import idle_since
from tests.dashboards.stream.streaming import (
    connect,
    make_publisher,
    publish,
    receive,
    receive_type,
    send,
)


def screen(sent_at, posted=False):
    return SimpleNamespace(sent_at=sent_at, keepalive_posted=posted)


def test_only_sockets_sent_nothing_since_the_cutoff_are_idle():
    quiet, busy = screen(sent_at=10.0), screen(sent_at=12.0)
    assert idle_since([quiet, busy], before=11.0) == [quiet]


def test_a_socket_not_sent_its_hello_yet_or_already_due_a_tick_is_left_alone():
    assert idle_since([screen(sent_at=None), screen(sent_at=1.0, posted=True)], before=5.0) == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("live_settings")
class TestTheConsumer:
    @pytest.fixture
    def user(self, django_user_model):
        return django_user_model.objects.create_user("screen", password="not-used-here-1")

    async def test_a_socket_following_nothing_gets_a_tick_every_interval(self, user):
        ws = await connect(user)
        await receive_type(ws, "hello")
        ticks = [await receive(ws, wait=10, ticks=True) for _ in range(3)]
        assert [t["type"] for t in ticks] == ["tick"] * 3
        assert all(abs(t["server_time"] - time.time()) < 60 for t in ticks)
        await ws.disconnect()

    async def test_a_socket_that_streams_samples_gets_no_tick(self, user, live_settings):
        live_settings.MONITOR_INTERVAL = 2  # samples every tenth of it, far from the idle mark
        publisher = make_publisher("alpha")
        ws = await connect(user)
        await receive_type(ws, "hello")
        await send(ws, {"type": "subscribe", "hosts": ["alpha"]})
        await receive_type(ws, "hosts")
        kinds = []
        for _ in range(30):
            await publish(publisher)
            kinds.append((await receive(ws, ticks=True))["type"])
            await asyncio.sleep(0.1)  # the stream's cadence (ten samples a second), not a wait
        assert "tick" not in kinds
        assert kinds.count("samples") == 30
        await ws.disconnect()
