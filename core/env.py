"""Typed readers for environment settings that refuse bad values loudly.

Every reader raises ``SettingError`` naming the variable, the bad value and what is expected, so
a typo in a deployment stops startup with one clear line instead of a traceback deep in Django.
"""

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit


class SettingError(ValueError):
    """A setting in the environment has a value the product cannot use."""


def _raw(name: str, env: Mapping[str, str] | None) -> str | None:
    value = (os.environ if env is None else env).get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_str(name: str, default: str, env: Mapping[str, str] | None = None) -> str:
    """The variable's value, or ``default`` when it is unset or blank."""
    value = _raw(name, env)
    return default if value is None else value


def env_bool(name: str, default: bool, env: Mapping[str, str] | None = None) -> bool:
    """A yes/no setting: 1/0, true/false, yes/no, on/off (any case)."""
    value = _raw(name, env)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingError(f"{name}={value!r} is not a yes/no value (use true or false)")


def env_float(
    name: str,
    default: float,
    minimum: float,
    maximum: float,
    env: Mapping[str, str] | None = None,
) -> float:
    """A number within [minimum, maximum]."""
    return _number(name, default, minimum, maximum, env, float, "a number")


def env_int(
    name: str, default: int, minimum: int, maximum: int, env: Mapping[str, str] | None = None
) -> int:
    """A whole number within [minimum, maximum]."""
    return _number(name, default, minimum, maximum, env, int, "a whole number")


def _number(name, default, minimum, maximum, env, parse, kind):
    value = _raw(name, env)
    if value is None:
        return default
    try:
        number = parse(value)
    except ValueError:
        raise SettingError(f"{name}={value!r} is not {kind}") from None
    if not minimum <= number <= maximum:
        raise SettingError(f"{name}={value!r} is out of range ({minimum:g} to {maximum:g})")
    return number


def env_list(name: str, default: list[str], env: Mapping[str, str] | None = None) -> list[str]:
    """A comma-separated list; blank items are dropped."""
    value = _raw(name, env)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


_BIND = re.compile(r"\A(?P<host>\[[0-9a-fA-F:]+\]|[A-Za-z0-9.\-]+):(?P<port>\d{1,5})\Z")


def env_bind(name: str, default: str, env: Mapping[str, str] | None = None) -> tuple[str, int]:
    """A ``host:port`` pair to listen on, such as ``127.0.0.1:8000`` or ``[::1]:8000``."""
    value = env_str(name, default, env)
    match = _BIND.match(value)
    if not match or not 0 < int(match["port"]) < 65536:
        raise SettingError(f"{name}={value!r} is not host:port (for example 127.0.0.1:8000)")
    return match["host"].strip("[]"), int(match["port"])


def env_redis_prefix(name: str, default: str, env: Mapping[str, str] | None = None) -> str:
    """A key and channel prefix: letters, digits, '.', '-' and '_'."""
    value = env_str(name, default, env)
    if not re.fullmatch(r"[A-Za-z0-9_.\-]{1,40}", value):
        raise SettingError(f"{name}={value!r} must be 1-40 letters, digits, '.', '-' or '_'")
    return value


@dataclass(frozen=True)
class PublicURL:
    """Where people reach the product: ``https://noc.example.com`` or ``http://10.0.0.5:8000``."""

    scheme: str
    host: str
    port: int | None

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}" + (f":{self.port}" if self.port else "")

    @property
    def secure(self) -> bool:
        return self.scheme == "https"


def env_public_url(name: str, env: Mapping[str, str] | None = None) -> PublicURL | None:
    """The site's public address: a scheme (http or https), a host, maybe a port, no path."""
    value = env_str(name, "", env)
    if not value:
        return None
    hint = f"{name}={value!r} must be the address people open, such as https://noc.example.com"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise SettingError(hint) from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username
    ):
        raise SettingError(hint + " (no path: the product is served at the root)")
    return PublicURL(parts.scheme, parts.hostname.lower(), port)
