"""Host names, labels and the host record: what every process means by "a host".

A host's name goes into Redis keys, Celery queue names and channel-layer group names, so all of
them are held to one alphabet here; the record is what screens are told about a host.
"""

import re
from collections.abc import Callable, Mapping

from core.env import SettingError, env_str

# Channels group names allow ASCII letters, digits, hyphens, underscores and periods, under 100
# characters; host names go into group names, so they are held to the same alphabet. \A and \Z,
# not ^ and $: "$" also matches before a final newline, and "vm\n" is not a host name.
HOST_NAME = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9_.\-]{0,62}\Z")
_HOST_NAME_RULE = "letters, digits, '.', '-', '_', at most 63 characters"

_LABEL_PART = re.compile(r"[A-Za-z0-9_.\-]{1,63}")


def env_host_name(
    name: str, default: Callable[[], str], env: Mapping[str, str] | None = None
) -> str:
    """A monitored host's name from the environment, else ``default()`` (the machine's name)."""
    value = env_str(name, "", env)
    if not value:
        value = default()
        if not HOST_NAME.match(value):
            raise SettingError(
                f"the machine name {value!r} cannot name a host; set {name} ({_HOST_NAME_RULE})"
            )
        return value
    if not HOST_NAME.match(value):
        raise SettingError(f"{name}={value!r} is not a valid host name ({_HOST_NAME_RULE})")
    return value


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


def host_record(
    name: str,
    status: str = "unknown",
    since: float | None = None,
    labels: dict[str, str] | None = None,
    duplicate: bool = False,
    info: dict | None = None,
) -> dict:
    """What screens are told about a host (docs/protocol.md, "A host record"). A host the
    evaluator has not seen yet is ``host_record(name)``: status unknown, no labels or info."""
    return {
        "name": name,
        "status": status,
        "since": since,
        "labels": labels or {},
        "duplicate": duplicate,
        "info": info or {},
    }
