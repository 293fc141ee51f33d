"""End to end on real parts: Redis, a Celery agent, beat and Daphne as separate processes."""

import itertools
import json
import signal
import socket
import time

import psutil
import pytest
import websockets

from tests.live.clients import live_samples, login, next_message, open_socket
from tests.live.stack import PASSWORD, USERNAME, Stack, http_status

pytestmark = pytest.mark.live
HOST = socket.gethostname()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, test_redis, redis_prefix):
    running = Stack(tmp_path_factory.mktemp("pipeline"), test_redis.url, f"{redis_prefix}-e2e")
    running.prepare()
    for role in ("web", "agent", "beat"):
        running.start(role)
    try:
        running.wait_healthy()
        yield running
    finally:
        running.stop_all()


@pytest.fixture(scope="module")
def cookie(stack) -> str:
    return login(stack.base_url, USERNAME, PASSWORD)


async def subscribed_socket(stack: Stack, cookie: str):
    ws = await open_socket(stack.ws_url, stack.base_url, cookie)
    hello = await next_message(ws)
    assert hello["type"] == "hello"
    await ws.send(json.dumps({"type": "subscribe", "hosts": [HOST], "backfill_s": 0}))
    assert (await next_message(ws))["type"] == "subscribed"
    return ws


def test_healthz_reports_database_redis_and_a_fresh_sample(stack):
    import urllib.request

    with urllib.request.urlopen(stack.base_url + "/healthz", timeout=5) as response:
        health = json.load(response)
    assert health["status"] == "ok"
    assert health["database"]["ok"] and health["redis"]["ok"]
    assert health["newest_sample"]["age_s"] <= health["newest_sample"]["max_age_s"]


async def test_a_signed_in_client_receives_consecutive_samples_of_this_host(stack, cookie):
    ws = await subscribed_socket(stack, cookie)
    samples = await live_samples(ws, 3)
    await ws.close()
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


def test_the_dashboard_sends_an_anonymous_visitor_to_the_login_page(stack):
    import urllib.request

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
    assert all(gap > 0.5 for gap in gaps), gaps
    assert all(s["received"] - s["ts"] < 5 for s in resumed)
    assert [s["seq"] for s in resumed] == list(range(resumed[0]["seq"], resumed[0]["seq"] + 4))
