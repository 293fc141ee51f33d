"""Real services for tests: a Redis to talk to, and free ports for servers under test."""

import os
import secrets
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis

from runner.embedded_redis import start_embedded_redis


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unique_prefix() -> str:
    """A Redis key/channel prefix of this test run's own, so parallel runs never collide."""
    return f"test-{os.getpid()}-{secrets.token_hex(3)}"


class TestRedis:
    """The Redis named by REDIS_URL when it answers; otherwise a private redis-server."""

    def __init__(self, workdir: Path) -> None:
        self.process: subprocess.Popen | None = None
        url = os.environ.get("REDIS_URL", "")
        if url and _answers(url):
            self.url = url
        else:
            socket_path = workdir / "redis.sock"
            self.url = f"unix://{socket_path}"
            self.process = start_embedded_redis(self.url, workdir, socket_path=socket_path)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(5)


def _answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False


class RedisServer:
    """A redis-server of the test's own on a TCP port, to stop and start again (empty)."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> "RedisServer":
        from runner.embedded_redis import redis_server_binary

        self.process = subprocess.Popen(
            [str(redis_server_binary()), "--bind", "127.0.0.1", "--port", str(self.port),
             "--save", "", "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            if _answers(self.url):
                return self
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)


def require_debian_peer(binary: str, package: str, untested: str, env: str) -> None:
    """Skip loudly without a real peer (Prometheus, Alertmanager); where ``env`` is set (CI,
    which installs them) its absence is a failure instead."""
    if os.path.exists(binary):
        return
    reason = f"NO {package.upper()}: {untested} (apt-get install {package})."
    if os.environ.get(env):
        pytest.fail(f"{reason} {env} is set, so this is a failure.")
    pytest.skip(reason)
