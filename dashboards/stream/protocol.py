"""The live stream's wire protocol: message types, error codes, close codes, limits, validation.

Each name is defined here once for Python; frontend/static/js/protocol.js is the browser's copy,
and docs/protocol.md the reference for clients. A test holds both to this file.
"""

import math
import re
from dataclasses import dataclass
from typing import Any

from core.hosts import HOST_NAME

PROTOCOL_VERSION = 1

# Server -> client
HELLO = "hello"
SUBSCRIBED = "subscribed"
SAMPLES = "samples"
HOST = "host"
HOSTS = "hosts"
PONG = "pong"
ERROR = "error"
ALERTS = "alerts"  # the snapshot of active alerts, after hello
ALERT = "alert"  # one alert's change
TICK = "tick"  # keepalive: a socket that was sent nothing for an interval (keepalive.py)
COMMAND = "command"  # an admin's command to a registered screen (dashboards/screens/)
DASHBOARD = "dashboard"  # a saved dashboard or playlist changed (dashboards/walls/changes.py)
# Client -> server
SUBSCRIBE = "subscribe"
UNSUBSCRIBE = "unsubscribe"
PING = "ping"
ACK = "ack"
UNACK = "unack"
SCREEN = "screen"  # a screen reports itself to the screens registry (dashboards/screens/)
SERVER_TYPES = (
    HELLO, SUBSCRIBED, SAMPLES, HOST, HOSTS, PONG, ERROR, ALERTS, ALERT, TICK, COMMAND, DASHBOARD
)  # fmt: skip
CLIENT_TYPES = (SUBSCRIBE, UNSUBSCRIBE, PING, ACK, UNACK, SCREEN)

# What a ``command`` tells a registered screen to do.
RELOAD, IDENTIFY, SHOW = "reload", "identify", "show"
COMMANDS = (RELOAD, IDENTIFY, SHOW)
# A registered screen reports itself (``screen``) after every hello and this often; the registry
# calls it offline when it has not for dashboards/screens/models.py's OFFLINE_AFTER_S.
SCREEN_EVERY_S = 10

# A client that hears nothing (no frame of any kind) for this many intervals calls its socket
# stalled and replaces it: the server sends a tick whenever it sent nothing for an interval.
STALLED_AFTER_INTERVALS = 2

# What a subscription receives: whole samples, or the overview's few headline figures.
VIEWS = ("full", "summary")

# Limits a client must stay within.
MAX_MESSAGE_BYTES = 16 * 1024
MAX_HOSTS_PER_SUBSCRIBE = 1000
# A seq is a Redis integer (signed 64 bits): a larger "since" cannot name a sample.
MAX_SEQ = 2**63 - 1
RATE_PER_SECOND = 10.0
RATE_BURST = 30
# Backfill goes out in frames of about this size: a big window in one frame would stall the
# socket and could pass the server's frame limit (runner/processes.py).
BACKFILL_FRAME_BYTES = 256 * 1024

# Error codes of ``error`` frames (the socket stays open after each).
BAD_JSON = "bad_json"
BAD_MESSAGE = "bad_message"
UNKNOWN_TYPE = "unknown_type"
BAD_FIELD = "bad_field"
TOO_MANY_HOSTS = "too_many_hosts"
UNSUPPORTED_FRAME = "unsupported_frame"
UNAVAILABLE = "unavailable"  # followed by close CLOSE_UNAVAILABLE
SIGNED_OUT = "signed_out"  # followed by close CLOSE_SIGNED_OUT
# A refused ack or unack (dashboards/alerts/responses.py).
FORBIDDEN = "forbidden"
UNKNOWN_ALERT = "unknown_alert"
ALERT_RESOLVED = "alert_resolved"
ALREADY_ACKED = "already_acked"
NOT_ACKED = "not_acked"
ERROR_CODES = (
    FORBIDDEN,
    UNKNOWN_ALERT,
    ALERT_RESOLVED,
    ALREADY_ACKED,
    NOT_ACKED,
    BAD_JSON,
    BAD_MESSAGE,
    UNKNOWN_TYPE,
    BAD_FIELD,
    TOO_MANY_HOSTS,
    UNSUPPORTED_FRAME,
    UNAVAILABLE,
    SIGNED_OUT,
)

# Close codes (4000-4999 are the application's own).
CLOSE_TOO_SLOW = 4008
CLOSE_SIGNED_OUT = 4401
CLOSE_TOO_BIG = 4413
CLOSE_FLOODING = 4429
CLOSE_UNAVAILABLE = 4503
CLOSE_CODES = {
    "TOO_SLOW": CLOSE_TOO_SLOW,
    "SIGNED_OUT": CLOSE_SIGNED_OUT,
    "TOO_BIG": CLOSE_TOO_BIG,
    "FLOODING": CLOSE_FLOODING,
    "UNAVAILABLE": CLOSE_UNAVAILABLE,
}


class ProtocolError(Exception):
    """A client message the server refuses; answered with an ``error`` frame."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Subscription:
    """A validated ``subscribe``: hosts (None means all, now and later), resume points, backfill."""

    hosts: list[str] | None
    since: dict[str, int]
    backfill_s: float
    view: str


def _host_names(value: Any, field: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(h, str) for h in value):
        raise ProtocolError(BAD_FIELD, f"'{field}' must be \"*\" or a list of host names")
    if len(value) > MAX_HOSTS_PER_SUBSCRIBE:
        raise ProtocolError(BAD_FIELD, f"'{field}' names more than {MAX_HOSTS_PER_SUBSCRIBE} hosts")
    bad = [h for h in value if not HOST_NAME.match(h)]
    if bad:
        raise ProtocolError(BAD_FIELD, f"'{field}' has invalid host names: {bad[:3]}")
    return list(dict.fromkeys(value))


def parse_subscribe(message: dict, max_backfill_s: float) -> Subscription:
    """Validate a ``subscribe`` message or raise ProtocolError naming the bad field."""
    hosts_value = message.get("hosts", "*")
    hosts = None if hosts_value == "*" else _host_names(hosts_value, "hosts")

    since_value = message.get("since", {})
    if not isinstance(since_value, dict) or len(since_value) > MAX_HOSTS_PER_SUBSCRIBE:
        raise ProtocolError(BAD_FIELD, "'since' must be an object of host name -> last seen seq")
    since: dict[str, int] = {}
    for host, seq in since_value.items():
        if not HOST_NAME.match(host) or type(seq) is not int or not 0 <= seq <= MAX_SEQ:
            raise ProtocolError(
                BAD_FIELD, f"'since' must map host names to seqs (integers 0 to {MAX_SEQ})"
            )
        since[host] = seq

    backfill = message.get("backfill_s", max_backfill_s)
    # Compared as given, never turned into a float first: a 400-digit integer is a valid JSON
    # number that no float can hold (OverflowError), and it asks for no more than the maximum.
    if (
        type(backfill) not in (int, float)
        or (type(backfill) is float and not math.isfinite(backfill))
        or backfill < 0
    ):
        raise ProtocolError(BAD_FIELD, "'backfill_s' must be a number of seconds >= 0")
    view = message.get("view", "full")
    if view not in VIEWS:
        raise ProtocolError(BAD_FIELD, '\'view\' must be "full" or "summary"')
    return Subscription(
        hosts=hosts, since=since, backfill_s=float(min(backfill, max_backfill_s)), view=view
    )


BOARD_NAME = re.compile(r"\A[-a-zA-Z0-9_]{1,50}\Z")  # a slug, as Django's SlugField takes it


def board_reference(message: dict) -> tuple[str, str] | None:
    """A subscribe by ``dashboard`` (slug) or ``playlist`` (name) instead of ``hosts``:
    ("dashboard", slug) or ("playlist", name), None for a subscribe by hosts; ProtocolError
    naming the field otherwise."""
    given = [key for key in (DASHBOARD, "playlist") if key in message]
    if not given:
        return None
    if len(given) > 1 or "hosts" in message:
        raise ProtocolError(BAD_FIELD, "give one of 'hosts', 'dashboard' or 'playlist'")
    key = given[0]
    name = message[key]
    if not isinstance(name, str) or not BOARD_NAME.match(name):
        raise ProtocolError(BAD_FIELD, f"'{key}' must be a slug (letters, digits, '-', '_')")
    return key, name


def parse_unsubscribe(message: dict) -> list[str] | None:
    """Hosts to leave (None means all) or raise ProtocolError."""
    hosts_value = message.get("hosts", "*")
    return None if hosts_value == "*" else _host_names(hosts_value, "hosts")


class TokenBucket:
    """Allows ``rate`` messages a second on average with bursts up to ``burst``."""

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self._rate = rate
        self._burst = burst
        self._tokens = float(burst)
        self._updated = now

    def take(self, now: float) -> bool:
        self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
        self._updated = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True
