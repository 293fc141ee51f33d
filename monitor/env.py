"""Typed readers for environment settings that refuse bad values loudly.

Every reader raises ``SettingError`` naming the variable, the bad value and what is expected, so
a typo in a deployment stops startup with one clear line instead of a traceback deep in Django.
"""

import os
import re
from collections.abc import Callable, Mapping


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


_BIND = re.compile(r"^(?P<host>\[[0-9a-fA-F:]+\]|[A-Za-z0-9.\-]+):(?P<port>\d{1,5})$")


def env_bind(name: str, default: str, env: Mapping[str, str] | None = None) -> tuple[str, int]:
    """A ``host:port`` pair to listen on, such as ``127.0.0.1:8000`` or ``[::1]:8000``."""
    value = env_str(name, default, env)
    match = _BIND.match(value)
    if not match or not 0 < int(match["port"]) < 65536:
        raise SettingError(f"{name}={value!r} is not host:port (for example 127.0.0.1:8000)")
    return match["host"].strip("[]"), int(match["port"])


# Channels group names allow ASCII letters, digits, hyphens, underscores and periods, under 100
# characters; host names go into group names, so they are held to the same alphabet.
HOST_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,62}$")


def env_host_name(
    name: str, default: Callable[[], str], env: Mapping[str, str] | None = None
) -> str:
    """A monitored host's name: letters, digits, '.', '-' and '_', at most 63 characters."""
    value = _raw(name, env)
    if value is None:
        value = default()
        if not HOST_NAME.match(value):
            raise SettingError(
                f"the machine name {value!r} cannot name a host; set {name} "
                "(letters, digits, '.', '-', '_', at most 63 characters)"
            )
        return value
    if not HOST_NAME.match(value):
        raise SettingError(
            f"{name}={value!r} is not a valid host name "
            "(letters, digits, '.', '-', '_', at most 63 characters)"
        )
    return value


def env_redis_prefix(name: str, default: str, env: Mapping[str, str] | None = None) -> str:
    """A key and channel prefix: letters, digits, '.', '-' and '_'."""
    value = env_str(name, default, env)
    if not re.fullmatch(r"[A-Za-z0-9_.\-]{1,40}", value):
        raise SettingError(f"{name}={value!r} must be 1-40 letters, digits, '.', '-' or '_'")
    return value


_LABEL_PART = re.compile(r"[A-Za-z0-9_.\-]{1,63}")


def parse_labels(value: str, name: str = "labels") -> dict[str, str]:
    """``env=prod,role=db`` as a dict; raises SettingError naming ``name`` on a malformed pair."""
    labels: dict[str, str] = {}
    for pair in filter(None, (item.strip() for item in value.split(","))):
        key, sep, label = pair.partition("=")
        if not sep or not _LABEL_PART.fullmatch(key) or not _LABEL_PART.fullmatch(label):
            raise SettingError(
                f"{name}={value!r}: {pair!r} is not key=value "
                "(letters, digits, '.', '-', '_', at most 63 each)"
            )
        labels[key] = label
    return labels


def env_labels(name: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Free-form host labels such as ``env=prod,role=db``."""
    return parse_labels(env_str(name, "", env), name)
