"""The /ws/live/ consumer over the real Redis channel layer and recent store."""

import json
from contextlib import contextmanager
from unittest import mock

import pytest

from dashboards.stream.consumers import LiveConsumer
from dashboards.stream.frames import backfill as backfill_frames
from dashboards.stream.protocol import MAX_MESSAGE_BYTES
from tests.dashboards.stream.streaming import (
    connect,
    make_publisher,
    publish,
    receive,
    receive_type,
    send,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("live_settings")]


@contextmanager
def override_frame_limit(max_bytes: int):
    """Smaller backfill frames, so a few test samples span several of them."""
    with mock.patch.object(LiveConsumer, "backfill_frame_bytes", max_bytes):
        yield


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("screen", password="not-used-here-1")


async def test_hello_names_the_protocol_epoch_and_known_hosts(user):
    await publish(make_publisher("alpha"))
    ws = await connect(user)
    hello = await receive(ws)
    assert hello["type"] == "hello"
    assert hello["protocol"] == 1
    assert hello["epoch"]
    assert hello["hosts"] == ["alpha"]
    await ws.disconnect()


async def test_subscribing_backfills_then_streams_live_samples(user):
    publisher = make_publisher("alpha")
    assert await publish(publisher, 3) == [1, 2, 3]
    ws = await connect(user)
    await receive_type(ws, "hello")
    await send(ws, {"type": "subscribe", "hosts": ["alpha"]})
    assert (await receive(ws))["hosts"] == ["alpha"]
    snapshot = await receive(ws)
    assert snapshot["type"] == "hosts"
    assert [(h["name"], h["status"]) for h in snapshot["hosts"]] == [("alpha", "unknown")]
    backfill = await receive(ws)
    assert backfill["backfill"] is True
    assert [s["seq"] for s in backfill["samples"]] == [1, 2, 3]

    await publish(publisher)
    live = await receive_type(ws, "samples")
    assert "backfill" not in live
    assert [(s["host"], s["seq"]) for s in live["samples"]] == [("alpha", 4)]
    assert live["samples"][0]["metrics"]["cpu.percent"] == 12.5
    await ws.disconnect()


async def test_resuming_from_a_seq_sends_only_newer_samples(user):
    await publish(make_publisher("alpha"), 5)
    ws = await connect(user)
    await receive_type(ws, "hello")
    await send(ws, {"type": "subscribe", "hosts": ["alpha"], "since": {"alpha": 3}})
    backfill = await receive_type(ws, "samples")
    assert [s["seq"] for s in backfill["samples"]] == [4, 5]
    await ws.disconnect()


async def test_backfill_is_limited_to_the_requested_seconds(user):
    await publish(make_publisher("alpha"), 5)
    ws = await connect(user)
    await receive_type(ws, "hello")
    await send(ws, {"type": "subscribe", "hosts": ["alpha"], "backfill_s": 2})
    backfill = await receive_type(ws, "samples")
    assert [s["seq"] for s in backfill["samples"]] == [4, 5]
    await ws.disconnect()


async def test_subscribing_again_does_not_repeat_samples(user):
    publisher = make_publisher("alpha")
    await publish(publisher, 2)
    ws = await connect(user)
    await receive_type(ws, "hello")
    await send(ws, {"type": "subscribe", "hosts": ["alpha"]})
    await receive_type(ws, "samples")
    await send(ws, {"type": "subscribe", "hosts": ["alpha"]})
    await receive_type(ws, "subscribed")
    await publish(publisher)
    assert [s["seq"] for s in (await receive_type(ws, "samples"))["samples"]] == [3]
    await ws.disconnect()


@pytest.mark.parametrize("view", ["full", "summary"])  # summary: through the round merger
async def test_following_all_hosts_announces_a_new_host_with_its_first_sample(user, view):
    await publish(make_publisher("alpha"))
    ws = await connect(user)
    await receive_type(ws, "hello")
    await send(ws, {"type": "subscribe", "hosts": "*", "view": view})
    assert (await receive_type(ws, "subscribed"))["hosts"] == ["alpha"]
    await receive_type(ws, "samples")

    await publish(make_publisher("beta"))
    announced = await receive_type(ws, "host")
    assert (announced["event"], announced["host"]) == ("new", "beta")
    assert announced["record"]["name"] == "beta"
    first = await receive_type(ws, "samples")
    assert [(s["host"], s["seq"]) for s in first["samples"]] == [("beta", 1)]
    await ws.disconnect()


async def test_unsubscribing_stops_the_samples(user):
    publisher = make_publisher("alpha")
    ws = await connect(user)
    await receive_type(ws, "hello")
    await send(ws, {"type": "subscribe", "hosts": ["alpha"]})
    await receive_type(ws, "subscribed")
    await send(ws, {"type": "unsubscribe", "hosts": ["alpha"]})
    assert (await receive_type(ws, "subscribed"))["hosts"] == []
    await publish(publisher)
    await send(ws, {"type": "ping"})
    assert (await receive(ws))["type"] == "pong"  # no sample came before the pong
    await ws.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "bad_json"),
        ("[1, 2]", "bad_message"),
        ('{"no": "type"}', "bad_message"),
        ('{"type": 7}', "bad_message"),
        ('{"type": "launch_missiles"}', "unknown_type"),
        ('{"type": "subscribe", "hosts": 5}', "bad_field"),
        ('{"type": "subscribe", "hosts": ["../etc"]}', "bad_field"),
        ('{"type": "subscribe", "hosts": "*", "since": {"alpha": "x"}}', "bad_field"),
        ('{"type": "subscribe", "hosts": "*", "since": {"alpha": -1}}', "bad_field"),
        ('{"type": "subscribe", "hosts": "*", "since": []}', "bad_field"),
        ('{"type": "subscribe", "hosts": "*", "backfill_s": "all"}', "bad_field"),
        ('{"type": "subscribe", "hosts": "*", "backfill_s": -5}', "bad_field"),
        ('{"type": "subscribe", "hosts": "*", "backfill_s": true}', "bad_field"),
        ('{"type": "subscribe", "hosts": "*", "view": "tiles"}', "bad_field"),
        ('{"type": "unsubscribe", "hosts": {"a": 1}}', "bad_field"),
        # Inputs that crashed the handler (1011 and a traceback) before:
        ("[" * 2000 + "]" * 2000, "bad_json"),  # nested past Python's recursion limit
        ('{"type": "subscribe", "hosts": "*", "backfill_s": 1' + "0" * 400 + "}", None),
        ('{"type": "subscribe", "since": {"alpha": 1' + "0" * 400 + "}}", "bad_field"),
        ('{"type": "subscribe", "hosts": ["vm\\n"]}', "bad_field"),  # "$" matched before "\n"
        ('{"type": "subscribe", "hosts": "*", "since": {"vm\\n": 1}}', "bad_field"),
        ('{"type": "subscribe", "hosts": "*", "backfill_s": NaN}', "bad_field"),
        ('{"type": "subscribe", "hosts": "*", "backfill_s": -Infinity}', "bad_field"),
    ],
)
async def test_a_bad_message_gets_an_error_and_the_socket_stays_usable(user, frame, code):
    ws = await connect(user)
    await receive_type(ws, "hello")
    await ws.send_to(text_data=frame)
    answer = await receive(ws)
    if code is None:  # a valid message after all: a huge backfill_s asks for the maximum
        assert answer["type"] == "subscribed"
        await receive_type(ws, "hosts")
    else:
        assert answer["type"] == "error"
        assert answer["code"] == code
        assert answer["message"]
    await send(ws, {"type": "ping"})
    assert (await receive(ws))["type"] == "pong"
    await ws.disconnect()


async def test_a_binary_frame_gets_an_error(user):
    ws = await connect(user)
    await receive_type(ws, "hello")
    await ws.send_to(bytes_data=b"\x00\x01")
    assert (await receive(ws))["code"] == "unsupported_frame"
    await ws.disconnect()


@pytest.mark.parametrize("kind", ["text", "binary"])
async def test_an_oversized_message_closes_with_4413(user, kind):
    ws = await connect(user)
    await receive_type(ws, "hello")
    message = '{"type":"ping","pad":"' + "x" * MAX_MESSAGE_BYTES + '"}'
    if kind == "text":
        await ws.send_to(text_data=message)
    else:
        await ws.send_to(bytes_data=message.encode())
    assert await ws.receive_output(5) == {"type": "websocket.close", "code": 4413}


async def test_a_flooding_client_is_closed_with_4429(user):
    ws = await connect(user)
    await receive_type(ws, "hello")
    for _ in range(100):
        await send(ws, {"type": "ping"})
    outputs = []
    while True:
        output = await ws.receive_output(5)
        outputs.append(output)
        if output["type"] == "websocket.close":
            break
    assert outputs[-1]["code"] == 4429
    assert 20 <= len(outputs) - 1 < 100  # the burst was answered, the rest refused


async def test_a_dead_redis_closes_the_socket_with_4503(user, settings, tmp_path):
    settings.REDIS_URL = f"unix://{tmp_path}/nobody-listens.sock"
    ws = await connect(user)
    error = await receive(ws)
    assert error["type"] == "error"
    assert error["code"] == "unavailable"
    assert await ws.receive_output(5) == {"type": "websocket.close", "code": 4503}


async def test_the_full_stack_refuses_an_anonymous_client():
    from channels.testing import WebsocketCommunicator

    from monitor.asgi import application

    ws = WebsocketCommunicator(
        application,
        "/ws/live/",
        headers=[(b"host", b"localhost"), (b"origin", b"http://localhost")],
    )
    connected, _ = await ws.connect()
    assert not connected


@pytest.fixture
def session_cookie(client, user) -> bytes:
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def test_the_full_stack_refuses_a_foreign_origin(session_cookie):
    from channels.testing import WebsocketCommunicator

    from monitor.asgi import application

    cookie = session_cookie
    own = WebsocketCommunicator(
        application,
        "/ws/live/",
        headers=[(b"host", b"localhost"), (b"origin", b"http://localhost"), (b"cookie", cookie)],
    )
    assert (await own.connect())[0]
    await own.disconnect()
    foreign = WebsocketCommunicator(
        application,
        "/ws/live/",
        headers=[(b"host", b"localhost"), (b"origin", b"http://evil.example"), (b"cookie", cookie)],
    )
    assert not (await foreign.connect())[0]


def test_backfill_frames_stay_under_the_size_limit_and_keep_every_sample_in_order():
    texts = [json.dumps({"seq": n, "pad": "x" * 100}) for n in range(1, 101)]
    frames = list(backfill_frames(texts, max_bytes=1000))
    assert len(frames) > 10
    assert all(len(frame) < 1000 + 200 for frame in frames)
    decoded = [json.loads(frame) for frame in frames]
    assert all(message["backfill"] is True for message in decoded)
    assert [s["seq"] for message in decoded for s in message["samples"]] == list(range(1, 101))


async def test_a_long_backfill_arrives_in_several_frames_in_order(user):
    await publish(make_publisher("alpha"), 40)
    ws = await connect(user)
    await receive_type(ws, "hello")
    with override_frame_limit(2000):
        await send(ws, {"type": "subscribe", "hosts": ["alpha"]})
        await receive_type(ws, "subscribed")
        seqs: list[int] = []
        while len(seqs) < 40:
            message = await receive_type(ws, "samples")
            assert message["backfill"] is True
            seqs += [s["seq"] for s in message["samples"]]
    assert seqs == list(range(1, 41))
    await ws.disconnect()


async def test_the_summary_view_sends_headline_figures_only(user):
    publisher = make_publisher("alpha")
    await publish(publisher, 2)
    ws = await connect(user)
    await receive_type(ws, "hello")
    await send(ws, {"type": "subscribe", "hosts": "*", "view": "summary"})
    backfill = await receive_type(ws, "samples")
    assert [s["seq"] for s in backfill["samples"]] == [1, 2]
    assert backfill["samples"][0]["metrics"] == {"cpu.percent": 12.5}
    assert "top" not in backfill["samples"][0]
    await publish(publisher)
    live = await receive_type(ws, "samples")
    assert [(s["seq"], s["metrics"]) for s in live["samples"]] == [(3, {"cpu.percent": 12.5})]
    await ws.disconnect()


async def test_host_events_reach_subscribers_of_that_host_only(user, live_settings):
    from channels.layers import get_channel_layer

    from core.layer import host_group

    ws = await connect(user)
    await receive_type(ws, "hello")
    await send(ws, {"type": "subscribe", "hosts": ["alpha"]})
    await receive_type(ws, "hosts")
    layer = get_channel_layer()
    change = {"event": "status", "host": "beta", "status": "down", "previous": "up", "since": 1.0}
    await layer.group_send(host_group("beta"), {"type": "host.event", "event": change})
    change = {**change, "host": "alpha"}
    await layer.group_send(host_group("alpha"), {"type": "host.event", "event": change})
    assert await receive_type(ws, "host") == {"type": "host", **change}

    removed = {"event": "removed", "host": "alpha"}
    await layer.group_send(host_group("alpha"), {"type": "host.event", "event": removed})
    assert await receive_type(ws, "host") == {"type": "host", **removed}
    await send(ws, {"type": "unsubscribe", "hosts": []})
    assert (await receive_type(ws, "subscribed"))["hosts"] == []
    await ws.disconnect()


async def test_overview_screens_get_host_events_and_whole_rounds_through_one_merger(user):
    """Screens following every host's summary share this process's merger: each gets every
    round as one frame and the host events, without joining any host's group."""
    from channels.layers import get_channel_layer

    from core.layer import host_group, overview_group

    alpha, beta = make_publisher("alpha"), make_publisher("beta")
    await publish(alpha, tick=1)
    await publish(beta, tick=1)
    screens = [await connect(user) for _ in range(3)]
    for ws in screens:
        await receive_type(ws, "hello")
        await send(ws, {"type": "subscribe", "hosts": "*", "view": "summary", "backfill_s": 0})
        assert (await receive_type(ws, "subscribed"))["hosts"] == ["alpha", "beta"]
    layer = get_channel_layer()
    groups = layer._get_layer().groups
    assert len(groups[layer._get_group_channel_name(overview_group())]) == 3
    assert len(groups[layer._get_group_channel_name(host_group("alpha"))]) == 1  # the merger
    for tick in (2, 3):
        await publish(alpha, tick=tick)
        await publish(beta, tick=tick)
    for ws in screens:
        assert hosts_and_seqs(await receive_type(ws, "samples")) == [("alpha", 2), ("beta", 2)]
        assert hosts_and_seqs(await receive_type(ws, "samples")) == [("alpha", 3), ("beta", 3)]
    change = {"event": "status", "host": "beta", "status": "down", "previous": "up", "since": 1.0}
    await layer.group_send(host_group("beta"), {"type": "host.event", "event": change})
    for ws in screens:
        assert await receive_type(ws, "host") == {"type": "host", **change}
    # Narrowing to one host leaves the merged rounds for that host's own group.
    await send(screens[0], {"type": "unsubscribe", "hosts": ["beta"]})
    assert (await receive_type(screens[0], "subscribed"))["hosts"] == ["alpha"]
    await publish(alpha, tick=4)
    assert hosts_and_seqs(await receive_type(screens[0], "samples")) == [("alpha", 4)]
    for ws in screens:
        await ws.disconnect()


async def test_no_message_pays_a_thread_hop_for_database_cleanup(user):
    """Channels' dispatch closes stale database connections before every handler, in a thread;
    none of ours touches the ORM, so none waits for that hop, connect included."""
    publisher = make_publisher("alpha")
    with mock.patch("channels.consumer.aclose_old_connections") as cleanup:
        ws = await connect(user)
        await receive_type(ws, "hello")
        await send(ws, {"type": "subscribe", "hosts": ["alpha"]})
        await receive_type(ws, "subscribed")
        await publish(publisher, 5)
        for _ in range(5):
            await receive_type(ws, "samples")
        await ws.disconnect()
    assert cleanup.await_count == 0


async def test_the_session_lookup_at_connect_closes_stale_database_connections(session_cookie):
    """What Channels' hop was for is done where the database is used: the socket's session
    lookup (dashboards/access/socket_auth.py) runs through database_sync_to_async, which closes
    stale connections around it."""
    from channels.db import DatabaseSyncToAsync
    from channels.testing import WebsocketCommunicator

    from monitor.asgi import application

    # (The test settings make close_old_connections a no-op; its wrapper is what is counted.)
    lookups = []
    wrapped = DatabaseSyncToAsync.thread_handler

    def counted(self, *args, **kwargs):
        lookups.append(self.func.__name__)
        return wrapped(self, *args, **kwargs)

    headers = [
        (b"host", b"localhost"),
        (b"origin", b"http://localhost"),
        (b"cookie", session_cookie),
    ]
    with mock.patch.object(DatabaseSyncToAsync, "thread_handler", counted):
        ws = WebsocketCommunicator(application, "/ws/live/", headers=headers)
        assert (await ws.connect())[0]
        await ws.disconnect()
    assert lookups == ["signed_in_users"]


async def test_samples_without_a_round_number_for_several_hosts_leave_as_one_frame(
    user, live_settings
):
    publishers = [make_publisher(host) for host in ("alpha", "beta", "gamma")]
    for publisher in publishers:
        await publish(publisher)
    # A wide window, so a slow test machine cannot split the tick.
    live_settings.MONITOR_INTERVAL = 10
    with (
        mock.patch("dashboards.stream.consumers.ROUND_HOLD_MAX_S", 1.0),
        mock.patch("dashboards.stream.consumers.QUIET_S", 1.0),
    ):
        ws = await connect(user)
    await receive_type(ws, "hello")
    await send(ws, {"type": "subscribe", "hosts": "*", "view": "summary", "backfill_s": 0})
    await receive_type(ws, "hosts")
    for publisher in publishers:
        await publish(publisher)
    frame = await receive_type(ws, "samples")
    assert sorted((s["host"], s["seq"]) for s in frame["samples"]) == [
        ("alpha", 2), ("beta", 2), ("gamma", 2),
    ]  # fmt: skip
    await ws.disconnect()


def hosts_and_seqs(frame: dict) -> list[tuple[str, int]]:
    return sorted((sample["host"], sample["seq"]) for sample in frame["samples"])


async def test_each_collection_round_leaves_as_exactly_one_frame(user, live_settings):
    """Complete rounds leave at once, an incomplete one when the next starts, a straggler rides
    with the next round: one frame per round whatever the arrival order."""
    alpha, beta, gamma = (make_publisher(host) for host in ("alpha", "beta", "gamma"))
    for publisher in (alpha, beta, gamma):
        await publish(publisher, tick=1)
    live_settings.MONITOR_INTERVAL = 60  # the hold (half an interval, at most 15 s) never ends
    with mock.patch("dashboards.stream.consumers.ROUND_HOLD_MAX_S", 15.0):
        ws = await connect(user)
    await receive_type(ws, "hello")
    await send(ws, {"type": "subscribe", "hosts": "*", "view": "summary", "backfill_s": 0})
    await receive_type(ws, "hosts")

    # Round 2 is the first this screen sees: nothing tells it who to wait for, so the round
    # closes when round 3 starts.
    for publisher in (alpha, beta, gamma):
        await publish(publisher, tick=2)
    await publish(alpha, tick=3)
    frame = await receive_type(ws, "samples")
    assert hosts_and_seqs(frame) == [("alpha", 2), ("beta", 2), ("gamma", 2)]
    # Round 3 is complete once the hosts of round 2 have all sent it: it leaves at once.
    await publish(beta, tick=3)
    await publish(gamma, tick=3)
    assert hosts_and_seqs(await receive_type(ws, "samples")) == [
        ("alpha", 3), ("beta", 3), ("gamma", 3),
    ]  # fmt: skip
    # Round 4 without gamma closes when round 5 starts; gamma's late round-4 sample rides along
    # with round 5, which still waits for gamma (late is not gone).
    await publish(alpha, tick=4)
    await publish(beta, tick=4)
    await publish(alpha, tick=5)
    assert hosts_and_seqs(await receive_type(ws, "samples")) == [("alpha", 4), ("beta", 4)]
    await publish(gamma, tick=4)
    await publish(beta, tick=5)
    assert await ws.receive_nothing(0.3)
    await publish(gamma, tick=5)
    assert hosts_and_seqs(await receive_type(ws, "samples")) == [
        ("alpha", 5), ("beta", 5), ("gamma", 4), ("gamma", 5),
    ]  # fmt: skip
    assert await ws.receive_nothing(0.3)  # and nothing else was sent
    await ws.disconnect()


async def test_an_incomplete_round_leaves_at_the_hold_deadline(user, live_settings):
    """A host that missed the round delays the frame by the hold (0.5 s at 1 s), no longer."""
    alpha, beta = make_publisher("alpha"), make_publisher("beta")
    live_settings.MONITOR_INTERVAL = 1
    ws = await connect(user)
    await receive_type(ws, "hello")
    await send(ws, {"type": "subscribe", "hosts": ["alpha", "beta"], "backfill_s": 0})
    await receive_type(ws, "hosts")
    await publish(alpha, tick=7)
    await publish(beta, tick=7)
    assert hosts_and_seqs(await receive_type(ws, "samples")) == [("alpha", 1), ("beta", 1)]
    await publish(alpha, tick=8)  # beta is expected and never comes
    assert hosts_and_seqs(await receive_type(ws, "samples", wait=3)) == [("alpha", 2)]
    await ws.disconnect()


async def test_a_single_host_page_gets_each_sample_at_once_in_its_own_frame(user):
    publisher = make_publisher("alpha")
    ws = await connect(user)
    await receive_type(ws, "hello")
    await send(ws, {"type": "subscribe", "hosts": ["alpha"], "backfill_s": 0})
    await receive_type(ws, "hosts")
    await publish(publisher, 2)
    assert [s["seq"] for s in (await receive_type(ws, "samples"))["samples"]] == [1]
    assert [s["seq"] for s in (await receive_type(ws, "samples"))["samples"]] == [2]
    await ws.disconnect()
