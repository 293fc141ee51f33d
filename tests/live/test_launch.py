"""`make run`'s launcher on the embedded default: no REDIS_URL, no database set up beforehand."""

import signal
import socket

import psutil
import pytest

from tests.live.clients import live_samples, login, next_message, open_socket
from tests.live.stack import PASSWORD, Stack

pytestmark = pytest.mark.live


async def test_launch_serves_samples_every_second_and_ctrl_c_stops_every_child(tmp_path):
    stack = Stack(tmp_path, redis_url=None, prefix="monitor", DJANGO_SUPERUSER_PASSWORD=PASSWORD)
    launcher = stack.start("launch", "launch")
    try:
        stack.wait_healthy(timeout=90)
        children = psutil.Process(launcher.pid).children(recursive=True)
        names = " ".join(" ".join(child.cmdline()) for child in children)
        assert "redis-server" in names and "daphne" in names
        assert "worker" in names and "beat" in names

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
