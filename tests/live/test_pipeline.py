"""End to end on real parts: Redis, a Celery agent, beat and Daphne as separate processes."""

import asyncio
import itertools
import json
import signal
import socket
import time
import urllib.request

import psutil
import pytest
import redis
import websockets

from agent.publish import encode_views
from agent.sample_writer import SampleWriter
from collectors.host import Reading
from core.redis_keys import RedisKeys
from tests.live.clients import (
    close_code_after,
    greeted,
    live_samples,
    login,
    masked_frame,
    masked_text_frame,
    next_message,
    open_socket,
    raw_websocket,
)
from tests.live.stack import (
    PASSWORD,
    USERNAME,
    Stack,
    http_status,
    open_figures,
    running_stack,
    wait_until,
)

pytestmark = pytest.mark.live
HOST = socket.gethostname()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, test_redis, redis_prefix):
    workdir = tmp_path_factory.mktemp("pipeline")
    with running_stack(workdir, test_redis.url, f"{redis_prefix}-e2e") as running:
        yield running


@pytest.fixture(scope="module")
def cookie(stack) -> str:
    return login(stack.base_url, USERNAME, PASSWORD)


async def subscribed_socket(stack: Stack, cookie: str):
    ws = await open_socket(stack.ws_url, stack.base_url, cookie)
    await greeted(ws)
    await ws.send(json.dumps({"type": "subscribe", "hosts": [HOST], "backfill_s": 0}))
    assert (await next_message(ws))["type"] == "subscribed"
    return ws


def test_healthz_reports_database_redis_and_a_fresh_sample(stack):

    with open_figures(stack.base_url + "/healthz", timeout=5) as response:
        health = json.load(response)
    assert health["status"] == "ok"
    assert health["database"]["ok"] and health["redis"]["ok"]
    assert health["newest_sample"]["age_s"] <= health["newest_sample"]["max_age_s"]


async def test_a_signed_in_client_receives_consecutive_samples_of_this_host(stack, cookie):
    ws = await subscribed_socket(stack, cookie)
    samples = await live_samples(ws, 3)

    def stream_health() -> dict | None:
        with open_figures(stack.base_url + "/healthz", timeout=5) as response:
            stream = json.load(response)["stream"]
        return stream if stream["clients"] >= 1 and stream["frames_per_s"] > 0 else None

    stream = await asyncio.to_thread(wait_until, stream_health, 20, "the stream's own figures")
    await ws.close()
    assert stream["processes"] == 1 and stream["drops"] == 0
    assert {s["host"] for s in samples} == {HOST}
    seqs = [s["seq"] for s in samples]
    assert seqs == list(range(seqs[0], seqs[0] + 3))
    assert all(s["metrics"]["mem.total_bytes"] == psutil.virtual_memory().total for s in samples)
    assert all(0 <= s["metrics"]["cpu.percent"] <= 100 for s in samples[1:])
    assert [s["ts"] for s in samples] == sorted(s["ts"] for s in samples)


async def test_an_anonymous_client_is_refused(stack):
    with pytest.raises(websockets.InvalidStatus) as refused:
        await open_socket(stack.ws_url, stack.base_url)
    assert refused.value.response.status_code == 403


async def test_a_client_from_a_foreign_origin_is_refused(stack, cookie):
    with pytest.raises(websockets.InvalidStatus) as refused:
        await open_socket(stack.ws_url, "http://evil.example", cookie)
    assert refused.value.response.status_code == 403


async def test_a_page_on_another_port_of_the_same_host_is_refused(stack, cookie):
    with pytest.raises(websockets.InvalidStatus) as refused:
        await open_socket(stack.ws_url, "http://127.0.0.1:9999", cookie)
    assert refused.value.response.status_code == 403


def test_a_message_over_the_servers_limit_gets_a_close_frame_saying_so(stack, cookie):
    sock = raw_websocket(stack, cookie)
    sock.recv(65536)  # hello
    # A frame that claims 5 MiB: Daphne refuses it from its header, with 1009, not a reset.
    sock.sendall(masked_frame(b"x" * 65536, declared=5 * 1024 * 1024))
    assert close_code_after(sock) == 1009
    sock.close()


def test_text_that_is_not_utf8_gets_a_close_frame_saying_so(stack, cookie):
    sock = raw_websocket(stack, cookie)
    sock.recv(65536)
    sock.sendall(masked_frame(b'{"type": "ping", "x": "\xff\xfe"}'))
    assert close_code_after(sock) == 1007
    sock.close()


async def test_a_big_binary_frame_is_too_big_not_merely_binary(stack, cookie):
    ws = await open_socket(stack.ws_url, stack.base_url, cookie)
    await greeted(ws)
    await ws.send(b"\x00" * (1024 * 1024))
    with pytest.raises(websockets.ConnectionClosed):
        await next_message(ws)
    assert ws.close_code == 4413


def test_a_path_outside_the_static_files_is_not_found(stack):
    tracebacks = stack.log("web").count("Traceback")
    assert http_status(stack.base_url + "/static/%2e%2e/%2e%2e/monitor/settings.py") == 404
    assert http_status(stack.base_url + "/static/..%2f..%2fmonitor/settings.py") == 404
    assert stack.log("web").count("Traceback") == tracebacks


def test_the_dashboard_sends_an_anonymous_visitor_to_the_login_page(stack):

    with urllib.request.urlopen(stack.base_url + "/", timeout=5) as response:
        assert response.url == stack.base_url + "/accounts/login/?next=/"
    assert http_status(stack.base_url + "/static/plotly/plotly.min.js") == 200


async def test_a_killed_agent_stops_the_samples_and_a_restarted_one_resumes_without_backlog(
    stack, cookie
):
    ws = await subscribed_socket(stack, cookie)
    before = await live_samples(ws, 2)
    stack.stop("agent", signal.SIGKILL)
    killed_at = time.time()

    # Whatever was in flight may still land; after that, silence for several intervals.
    quiet_from = killed_at + 1.5
    deadline = killed_at + 6
    late = []
    while time.time() < deadline:
        try:
            message = await next_message(ws, max(0.05, deadline - time.time()))
        except TimeoutError:
            break
        if message["type"] == "samples":
            late += [time.time() for _ in message["samples"]]
    assert not [t for t in late if t > quiet_from], "samples kept coming from a killed agent"

    stack.start("agent")
    resumed = await live_samples(ws, 4, wait=60)
    await ws.close()
    assert resumed[0]["seq"] > before[-1]["seq"]
    # Fresh reads, one per tick: a backlog would arrive as a burst of stale, closely spaced reads.
    gaps = [b["ts"] - a["ts"] for a, b in itertools.pairwise(resumed)]
    # A backlog runs back to back (a few ms apart); ticks are about an interval apart, give or take
    # how late a loaded machine delivers one of them.
    assert all(gap > 0.2 for gap in gaps), gaps
    assert all(s["received"] - s["ts"] < 5 for s in resumed)
    assert [s["seq"] for s in resumed] == list(range(resumed[0]["seq"], resumed[0]["seq"] + 4))


async def test_a_full_window_of_big_samples_backfills_through_daphne(stack, cookie, test_redis):
    """Ten minutes of samples from a host with many interfaces, as a new screen asks for them."""
    client = redis.Redis.from_url(test_redis.url)
    keys = RedisKeys(stack.env["MONITOR_REDIS_PREFIX"])
    writer = SampleWriter(client, keys, "wide-host", keep=600)
    metrics = {f"net.veth{n:04d}.rx_bytes_per_s": 1234.5 for n in range(200)}
    for _ in range(600):
        stamp = writer.next_stamp()
        reading = Reading(time.time(), metrics, [])
        writer.append(stamp, *encode_views("wide-host", stamp.seq, 1.0, reading))

    ws = await open_socket(stack.ws_url, stack.base_url, cookie)
    await greeted(ws)
    await ws.send(json.dumps({"type": "subscribe", "hosts": ["wide-host"], "backfill_s": 600}))
    assert (await next_message(ws))["type"] == "subscribed"
    assert (await next_message(ws))["type"] == "hosts"
    seqs: list[int] = []
    while len(seqs) < 600:
        message = await next_message(ws)
        assert message["type"] == "samples" and message["backfill"] is True
        seqs += [s["seq"] for s in message["samples"]]
    await ws.send(json.dumps({"type": "ping"}))
    assert (await next_message(ws))["type"] == "pong"  # still connected
    await ws.close()
    assert seqs == list(range(1, 601))
    assert "Traceback" not in stack.log("web")


def store_big_samples(
    stack: Stack, redis_url: str, host: str, count: int, keys_per_sample: int
) -> None:
    client = redis.Redis.from_url(redis_url)
    writer = SampleWriter(client, RedisKeys(stack.env["MONITOR_REDIS_PREFIX"]), host, keep=count)
    metrics = {f"net.veth{n:05d}.rx_bytes_per_s": 1234.5 for n in range(keys_per_sample)}
    for _ in range(count):
        stamp = writer.next_stamp()
        reading = Reading(time.time(), metrics, [])
        writer.append(stamp, *encode_views(host, stamp.seq, 1.0, reading))


async def test_a_client_that_stops_reading_is_dropped_and_the_others_carry_on(
    stack, cookie, test_redis
):
    store_big_samples(stack, test_redis.url, "huge-host", count=600, keys_per_sample=1000)
    watcher = await subscribed_socket(stack, cookie)
    stalled = raw_websocket(stack, cookie)
    # A big backfill fills its buffer; the live samples of this host keep it growing.
    subscribe = {"type": "subscribe", "hosts": ["huge-host", HOST], "backfill_s": 600}
    stalled.sendall(masked_text_frame(json.dumps(subscribe)))

    def dropped_as_too_slow() -> bool:
        with open_figures(stack.base_url + "/metrics", timeout=5) as response:
            return 'reason="too_slow"' in response.read().decode()

    # Reading from the moment it was dropped, it gets what was in flight, then the close frame.
    await asyncio.to_thread(wait_until, lambda: "too slow" in stack.log("web"), 40, "the drop")
    assert await asyncio.to_thread(close_code_after, stalled) == 4008
    await asyncio.to_thread(wait_until, dropped_as_too_slow, 20, "the drop counted on /metrics")
    samples = await live_samples(watcher, 2)  # the others never waited for it
    await watcher.close()
    stalled.close()
    assert samples[1]["seq"] == samples[0]["seq"] + 1
