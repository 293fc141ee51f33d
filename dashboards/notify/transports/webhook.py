"""POST the Alertmanager webhook payload (version 4) as JSON, as Alertmanager's own webhook
receiver does, with an Idempotency-Key header; any 2xx is success, 5xx, 408 and 429 are
retried, other statuses are final (Alertmanager retries the same ones)."""

from urllib.parse import urlsplit

import requests

from dashboards.notify.fields import ConfigError, boolean, duration, known_keys, text
from dashboards.notify.transports import Message, TransportError

KEYS = {"url", "bearer_token", "basic_auth", "timeout", "verify_tls"}
SECRETS = ("bearer_token", "basic_auth.password")  # shown redacted (secrets.py)
DEFAULT_TIMEOUT_S = 10.0
MAX_TIMEOUT_S = 60.0
RETRIED_STATUSES = {408, 429}


def check(data: dict, item: str) -> dict:
    """The kind's settings from its file form; ConfigError naming the field."""
    known_keys(data, KEYS, item)
    url = text(data.get("url"), item, "url", 2000)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(item, "url", f"{url!r} is not an http:// or https:// URL")
    settings = {"url": url}
    if "bearer_token" in data and "basic_auth" in data:
        raise ConfigError(item, "basic_auth", "give bearer_token or basic_auth, not both")
    if "bearer_token" in data:
        settings["bearer_token"] = _header_text(data["bearer_token"], item, "bearer_token")
    if "basic_auth" in data:
        auth = data["basic_auth"]
        if not isinstance(auth, dict) or set(auth) != {"username", "password"}:
            raise ConfigError(item, "basic_auth", "{username: ..., password: ...}")
        settings["basic_auth"] = {
            "username": _header_text(auth["username"], item, "basic_auth.username"),
            "password": _header_text(auth["password"], item, "basic_auth.password"),
        }
    if "timeout" in data:
        duration(data["timeout"], item, "timeout", MAX_TIMEOUT_S)
        settings["timeout"] = data["timeout"]
    if "verify_tls" in data:
        settings["verify_tls"] = boolean(data["verify_tls"], item, "verify_tls")
    return settings


def _header_text(value, item: str, field: str) -> str:
    # HTTP headers are latin-1: requests would raise UnicodeEncodeError at every attempt.
    checked = text(value, item, field)
    try:
        checked.encode("latin-1")
    except UnicodeEncodeError:
        raise ConfigError(item, field, "only latin-1 characters can go in a header") from None
    return checked


def timeout_s(settings: dict) -> float:
    """The longest one send may take, in all (delivery.py holds it to that)."""
    return duration(settings.get("timeout", DEFAULT_TIMEOUT_S), "webhook", "timeout")


def send(settings: dict, message: Message) -> int:
    """Returns the HTTP status of a 2xx answer; raises TransportError otherwise."""
    headers = {"Idempotency-Key": message.key, "User-Agent": "live-monitor"}
    auth = None
    if "bearer_token" in settings:
        headers["Authorization"] = f"Bearer {settings['bearer_token']}"
    if "basic_auth" in settings:
        auth = (settings["basic_auth"]["username"], settings["basic_auth"]["password"])
    timeout = timeout_s(settings)
    try:
        # requests' timeout bounds each connect and each read, not the whole: the caller
        # enforces the total (delivery.py); stream=False reads the answer within this call.
        response = requests.post(
            settings["url"], json=message.payload, headers=headers, auth=auth,
            timeout=(timeout, timeout), verify=settings.get("verify_tls", True),
            allow_redirects=False, stream=False,
        )  # fmt: skip
    except requests.RequestException as exc:
        # Never the URL's path or query: a Slack or Discord webhook's secret is there, and
        # the error is shown to viewers on the alert's page.
        host = urlsplit(settings["url"]).hostname
        raise TransportError(f"{type(exc).__name__} connecting to {host}") from None
    if 200 <= response.status_code < 300:
        return response.status_code
    status = response.status_code
    permanent = status < 500 and status not in RETRIED_STATUSES
    answer = response.text[:200].strip()
    raise TransportError(f"HTTP {status}: {answer}", http_status=status, permanent=permanent)
