"""The three servers under test, started the same way on loopback ports of their own.

- ``bare``: bench/bare_server.py, plain websockets (the limit);
- ``textbook``: plain Daphne serving bench/textbook.py, with the product's Daphne flags;
- ``product``: ``manage.py serve web`` (Daphne serving monitor.asgi), through the test ``Stack``;
- ``product2``: the same with MONITOR_WEB_PROCESSES=2 (two Daphnes on one port);
- ``uvicorn``: the product's application under Uvicorn (bench/uvicorn_server.py), for comparison.
All three read the same Redis and the same layer prefix, so one simulator feeds whichever runs.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass

from runner.processes import web_argv
from tests.live.stack import ROOT, Stack

SERVERS = ("product", "product2", "uvicorn", "textbook", "bare")


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/live/"


def start_server(name: str, stack: Stack, prefix: str, port: int) -> Server:
    """Start ``name`` on the store and layer under ``prefix``; returns once it listens."""
    env = {"MONITOR_REDIS_PREFIX": prefix, "MONITOR_BIND": f"127.0.0.1:{port}"}
    if name in {"product", "product2"}:
        role = f"{name}-{port}"
        if name == "product2":
            env["MONITOR_WEB_PROCESSES"] = "2"
        process = stack.start(role, "serve", "web", **env)
        stack.processes.pop(role)  # stopped here, with a kill if it hangs
    else:
        if name == "bare":
            argv = [
                sys.executable, "-m", "bench.bare_server", "--port", str(port),
                "--redis-url", stack.env["REDIS_URL"], "--layer-prefix", f"{prefix}.layer",
            ]  # fmt: skip
        elif name == "uvicorn":
            argv = [sys.executable, "-m", "bench.uvicorn_server", "--port", str(port)]
        elif name == "textbook":
            # Plain Daphne (not the product's wrapper) with the product's flags, serving the
            # textbook application instead of the product's.
            product = web_argv(("127.0.0.1", port))
            flags = product[product.index("--bind") : -1]
            argv = [sys.executable, "-m", "daphne", *flags, "bench.textbook:application"]
        else:
            raise ValueError(f"unknown server {name!r}")
        log = open(stack.workdir / f"{name}-{port}.log", "ab")  # noqa: SIM115 - lives with it
        process = subprocess.Popen(
            argv, cwd=ROOT, env={**stack.env, **env}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    server = Server(name, port, process)
    _wait_listening(server, timeout=60)
    return server


def _wait_listening(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", server.port), 1):
            return
        time.sleep(0.05)
    stop_process(server.process)
    raise RuntimeError(f"{server.name} did not listen on port {server.port} within {timeout} s")


def stop_process(process: subprocess.Popen, grace: float = 10) -> None:
    """SIGTERM to its process group, SIGKILL after ``grace`` seconds."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
