"""`make run`'s launcher on the embedded default: no REDIS_URL, no database set up beforehand."""

import re
import signal
import socket

import psutil
import pytest

from tests.live.clients import live_samples, login, next_message, open_socket
from tests.live.stack import PASSWORD, Stack
from tests.services import free_port

pytestmark = pytest.mark.live


async def test_launch_serves_samples_every_second_and_ctrl_c_stops_every_child(tmp_path):
    stack = Stack(tmp_path, redis_url=None, prefix="monitor", DJANGO_SUPERUSER_PASSWORD=PASSWORD)
    launcher = stack.start("launch", "launch")
    try:
        stack.wait_healthy(timeout=90)
        children = psutil.Process(launcher.pid).children(recursive=True)
        names = " ".join(" ".join(child.cmdline()) for child in children)
        assert "redis-server" in names and "runner.web" in names
        assert "worker" in names and "beat" in names and "evaluator@" in names

        ws = await open_socket(
            stack.ws_url, stack.base_url, login(stack.base_url, "admin", PASSWORD)
        )
        hello = await next_message(ws)
        assert hello["hosts"] == [socket.gethostname()]
        await ws.send('{"type": "subscribe", "hosts": "*", "backfill_s": 0}')
        samples = await live_samples(ws, 3)
        await ws.close()
        seqs = [s["seq"] for s in samples]
        assert seqs == list(range(seqs[0], seqs[0] + 3))
        # One read per one-second tick (loose bounds: this is cadence, not speed).
        assert 0.5 < (samples[-1]["ts"] - samples[0]["ts"]) / 2 < 2
    finally:
        launcher.send_signal(signal.SIGINT)
        assert launcher.wait(30) == 0
    assert not [child for child in children if child.is_running() and child.status() != "zombie"]
    assert "first sample published" in stack.log("launch")


def test_launch_prints_the_command_a_second_agent_joins_with(tmp_path):
    listen = f"127.0.0.1:{free_port()}"
    stack = Stack(tmp_path, redis_url=None, prefix="monitor", MONITOR_REDIS_LISTEN=listen)
    launcher = stack.start("launch", "launch")
    try:
        stack.wait_healthy(timeout=90, hosts_up=1)
        joined = re.search(r"REDIS_URL='(\S+)' MONITOR_HOST=<name> make agent", stack.log("launch"))
        assert joined, stack.log("launch")
        url = joined[1]
        password = (tmp_path / "redis_password").read_text().strip()
        assert url == f"redis://:{password}@{listen}/0"
        stack.start("agent-second", "serve", "agent", REDIS_URL=url, MONITOR_HOST="second")
        stack.wait_healthy(timeout=60, hosts_up=2)
    finally:
        launcher.send_signal(signal.SIGINT)
        assert launcher.wait(30) == 0
        stack.stop_all()
