"""Where the data directory and Redis are, read from the environment the same way by every
process: Django's settings and the agent, which loads no Django (agent/config.py)."""

import contextlib
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from core.env import SettingError, env_bind, env_redis_prefix, env_str

# The checkout: relative paths are taken from it, so the same value works from any directory.
BASE_DIR = Path(__file__).resolve().parent.parent


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """``MONITOR_DATA_DIR`` (default ``var`` in the checkout), made if missing."""
    path = BASE_DIR / env_str("MONITOR_DATA_DIR", "var", env)
    path.mkdir(parents=True, exist_ok=True)
    return path


def redis_prefix(env: Mapping[str, str] | None = None) -> str:
    """Every key and channel-layer name lives under it, so installs or test runs can share one
    Redis without seeing each other."""
    return env_redis_prefix("MONITOR_REDIS_PREFIX", "monitor", env)


@dataclass(frozen=True)
class RedisLocation:
    """The Redis every process uses: ``REDIS_URL``, or the embedded default that `make run`
    starts (a unix socket in the data dir, or TCP with a generated password)."""

    url: str
    embedded: bool
    socket_path: Path
    listen: tuple[str, int] | None
    password: str


def redis_location(directory: Path, env: Mapping[str, str] | None = None) -> RedisLocation:
    url = env_str("REDIS_URL", "", env)
    embedded = not url
    socket_path = directory / "redis.sock"
    listen = (
        env_bind("MONITOR_REDIS_LISTEN", "", env)
        if env_str("MONITOR_REDIS_LISTEN", "", env)
        else None
    )
    password = ""
    if embedded and listen:
        password = _embedded_password(directory / "redis_password")
        host, port = listen
        local = "127.0.0.1" if host in {"0.0.0.0", "::"} else host
        url = f"redis://:{password}@{local}:{port}/0"
    url = url or f"unix://{socket_path}"
    if urlsplit(url).scheme not in {"redis", "rediss", "unix"}:
        raise SettingError(
            f"REDIS_URL={url!r} must start with redis://, rediss:// or unix:// "
            "(leave it unset for the embedded Redis)"
        )
    return RedisLocation(url, embedded, socket_path, listen, password)


def generated_secret(path: Path) -> str:
    """A secret kept in the data dir: made once (readable by this user only), then read back."""
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process made it first
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as file:
                file.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def _embedded_password(path: Path) -> str:
    # Hex: redis-server reads a password that starts with "--" (1 in 4,096 url-safe tokens) as
    # its next option and refuses to start; such a file, which never worked, is replaced.
    if not path.exists() or path.read_text().startswith("-"):
        path.write_text(secrets.token_hex(24))
        path.chmod(0o600)
    return path.read_text().strip()


def celery_broker_url(redis_url: str) -> str:
    """Kombu spells a Redis unix socket ``redis+socket://``; the redis client spells it ``unix://``."""
    parts = urlsplit(redis_url)
    if parts.scheme == "unix":
        return f"redis+socket://{parts.path}" + (f"?{parts.query}" if parts.query else "")
    return redis_url
