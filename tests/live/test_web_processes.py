"""MONITOR_WEB_PROCESSES: several Daphne processes behind one address, on real parts."""

import asyncio
import json
import signal

import psutil
import pytest

from tests.live.clients import login, next_message, open_socket
from tests.live.stack import PASSWORD, USERNAME, Stack, open_figures, wait_until

pytestmark = pytest.mark.live
SCREENS = 24


@pytest.fixture(scope="module")
def stack(tmp_path_factory, test_redis, redis_prefix):
    stack = Stack(
        tmp_path_factory.mktemp("web-processes"),
        test_redis.url,
        f"{redis_prefix}-webprocs",
        MONITOR_WEB_PROCESSES="2",
    )
    stack.prepare()
    stack.start_central()
    stack.start("simulator", "simulate_hosts", "3", "--prefix", "sim")
    try:
        stack.wait_healthy(hosts_up=3)
        yield stack
    finally:
        stack.stop_all()


def stream_health(stack: Stack) -> dict:
    with open_figures(stack.base_url + "/healthz", timeout=5) as response:
        return json.load(response)["stream"]


def group_members(stack: Stack) -> list[psutil.Process]:
    return psutil.Process(stack.processes["web"].pid).children()


async def test_two_processes_share_one_address_and_both_stream(stack):
    assert len(group_members(stack)) == 2
    cookie = login(stack.base_url, USERNAME, PASSWORD)
    screens = [await open_socket(stack.ws_url, stack.base_url, cookie) for _ in range(SCREENS)]
    for ws in screens:
        assert (await next_message(ws))["type"] == "hello"
        await ws.send(json.dumps({"type": "subscribe", "hosts": "*", "view": "summary"}))

    async def live_samples(ws) -> set[str]:
        while True:
            message = await next_message(ws, wait=15)
            if message["type"] == "samples" and not message.get("backfill"):
                return {sample["host"] for sample in message["samples"]}

    received = await asyncio.gather(*(live_samples(ws) for ws in screens))
    assert all(hosts == {"sim-001", "sim-002", "sim-003"} for hosts in received), received
    # Each process reports its own clients: two reporting processes means both took sockets.
    wait_until(
        lambda: (
            stream_health(stack)["processes"] == 2 and stream_health(stack)["clients"] == SCREENS
        ),
        timeout=20,
        what="both web processes reporting all screens",
    )
    for ws in screens:
        await ws.close()


def test_when_one_process_dies_the_group_exits_so_its_supervisor_restarts_it(stack):
    web = stack.processes["web"]
    victim, survivor = group_members(stack)
    victim.send_signal(signal.SIGKILL)
    assert web.wait(20) != 0
    wait_until(lambda: not survivor.is_running(), timeout=20, what="the other member stopped")
    # The address is free again at once: a restarted group binds it.
    stack.processes.pop("web")
    stack.start("web")
    stack.wait_healthy(hosts_up=3, timeout=60)
    assert len(group_members(stack)) == 2
