"""What ordinary clients do to a real web server leaves nothing behind: no traceback in its log,
no client counted that is not connected, no channel-layer subscription in Redis that no socket
owns (read from Redis itself, PUBSUB CHANNELS and NUMSUB), and the server keeps streaming."""

import asyncio
import json
import socket

import pytest
import redis

from core.redis_keys import RedisKeys
from tests.live.clients import (
    live_samples,
    login,
    masked_text_frame,
    next_message,
    open_socket,
    raw_websocket,
)
from tests.live.stack import PASSWORD, USERNAME, open_figures, running_stack, wait_until

pytestmark = pytest.mark.live
HOST = socket.gethostname()
# Daphne pings every 20 s and drops a peer that has not answered 30 s later.
DEAD_PEER_DROPPED_WITHIN_S = 80
RESET_ON_CLOSE = (1).to_bytes(4, "little") + (0).to_bytes(4, "little")  # SO_LINGER on, 0 s


@pytest.fixture(scope="module")
def stack(tmp_path_factory, test_redis, redis_prefix):
    workdir = tmp_path_factory.mktemp("clients")
    with running_stack(workdir, test_redis.url, f"{redis_prefix}-clients") as running:
        yield running


def stream(stack) -> dict:
    with open_figures(stack.base_url + "/healthz", timeout=5) as response:
        return json.load(response)["stream"]


def metrics(stack) -> str:
    with open_figures(stack.base_url + "/metrics", timeout=5) as response:
        return response.read().decode()


def layer_subscriptions(stack, redis_url: str) -> dict[str, int]:
    """Every channel-layer channel this stack's web process subscribes to, with its count."""
    client = redis.Redis.from_url(redis_url)
    prefix = f"{stack.env['MONITOR_REDIS_PREFIX']}.layer"
    channels = client.pubsub_channels(f"{prefix}*")
    return {name.decode(): count for name, count in client.pubsub_numsub(*channels)}


def groups(subscriptions: dict[str, int]) -> dict[str, int]:
    """The group channels (each socket's own channel has a random name)."""
    return {name: count for name, count in subscriptions.items() if "__group__" in name}


async def read_samples(ws, seen: list[int]) -> None:
    async for raw in ws:
        message = json.loads(raw)
        if message["type"] == "samples":
            seen.extend(sample["seq"] for sample in message["samples"])


def subscribe(host: str, backfill_s: float = 600) -> bytes:
    return masked_text_frame(
        json.dumps({"type": "subscribe", "hosts": [host], "backfill_s": backfill_s})
    )


async def test_ordinary_clients_leave_no_traceback_no_count_and_no_subscription(stack, test_redis):
    cookie = login(stack.base_url, USERNAME, PASSWORD)
    watcher = await open_socket(stack.ws_url, stack.base_url, cookie)
    await next_message(watcher)
    await watcher.send(json.dumps({"type": "subscribe", "hosts": [HOST], "backfill_s": 0}))
    await live_samples(watcher, 2)
    seen: list[int] = []  # the watcher keeps reading (and answering pings) in the background
    reading = asyncio.ensure_future(read_samples(watcher, seen))
    await asyncio.sleep(6)  # the stream figures are reported every five seconds
    clients_before = stream(stack)["clients"]
    groups_before = groups(layer_subscriptions(stack, test_redis.url))
    log_before = len(stack.log("web"))

    # Leaving before the handshake ends, right after it, during hello, during the backfill.
    for _ in range(10):
        with socket.create_connection(("127.0.0.1", stack.port)) as half_open:
            half_open.sendall(b"GET /ws/live/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    for _ in range(10):
        raw_websocket(stack, cookie).close()
    for _ in range(10):
        leaving = raw_websocket(stack, cookie)
        leaving.sendall(subscribe(HOST))
        leaving.close()  # while the server answers the subscribe and sends the backfill
    for _ in range(10):
        resetting = raw_websocket(stack, cookie)
        resetting.sendall(subscribe(HOST))
        resetting.setsockopt(
            socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
        )
        resetting.close()  # a TCP reset mid-backfill, as a killed browser or a cut cable
    # A dead peer: it stopped answering (and reading) after subscribing.
    dead = raw_websocket(stack, cookie)
    dead.sendall(subscribe(HOST, backfill_s=0))

    def dead_peer_dropped() -> bool:
        return 'reason="unresponsive"' in metrics(stack)

    await asyncio.to_thread(
        wait_until, dead_peer_dropped, DEAD_PEER_DROPPED_WITHIN_S, "the dead peer to be dropped"
    )
    dead.close()

    def back_to_before() -> bool:
        return (
            stream(stack)["clients"] == clients_before
            and groups(layer_subscriptions(stack, test_redis.url)) == groups_before
        )

    try:
        await asyncio.to_thread(wait_until, back_to_before, 30, "counts and subscriptions")
    except AssertionError:
        now = (stream(stack)["clients"], groups(layer_subscriptions(stack, test_redis.url)))
        raise AssertionError(f"before {(clients_before, groups_before)}, now {now}") from None
    log = stack.log("web")[log_before:]
    assert "Traceback" not in log, log[-3000:]
    assert "took too long to shut down" not in log
    reading.cancel()
    await watcher.close()
    # The server kept streaming all along: one sample a second, none missing.
    assert seen == list(range(seen[0], seen[0] + len(seen))) and len(seen) > 30


async def test_a_consumer_that_fails_is_released_all_the_same(stack, test_redis):
    """A handler that raises is logged, once, and then nothing of its socket is left: not
    counted, not subscribed. No client input makes a handler raise any more (the protocol tests
    try them), so the failure here is a corrupt host record in Redis, which the subscribe reads."""
    cookie = login(stack.base_url, USERNAME, PASSWORD)
    await asyncio.sleep(6)
    clients_before = stream(stack)["clients"]
    groups_before = groups(layer_subscriptions(stack, test_redis.url))
    failing = await open_socket(stack.ws_url, stack.base_url, cookie)
    await next_message(failing)
    await failing.send(json.dumps({"type": "subscribe", "hosts": [HOST], "backfill_s": 0}))
    await live_samples(failing, 1)
    store = redis.Redis.from_url(test_redis.url)
    fleet = RedisKeys(stack.env["MONITOR_REDIS_PREFIX"]).fleet
    store.hset(fleet, "corrupt-record", "{not json")
    try:
        await failing.send(json.dumps({"type": "subscribe", "hosts": ["corrupt-record"]}))
        with pytest.raises(Exception):  # noqa: B017 - closed by the server, whatever the code
            for _ in range(50):
                await next_message(failing, wait=10)
    finally:
        store.hdel(fleet, "corrupt-record")

    def released() -> bool:
        return (
            stream(stack)["clients"] == clients_before
            and groups(layer_subscriptions(stack, test_redis.url)) == groups_before
        )

    await asyncio.to_thread(wait_until, released, 30, "the failed socket released")
