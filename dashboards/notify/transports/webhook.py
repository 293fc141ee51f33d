"""POST the Alertmanager webhook payload (version 4) as JSON, as Alertmanager's own webhook
receiver does, with an Idempotency-Key header; any 2xx is success, 5xx, 408 and 429 are
retried, other statuses are final (Alertmanager retries the same ones)."""

from urllib.parse import urlsplit

import requests

from dashboards.notify.fields import ConfigError, boolean, duration, known_keys, text
from dashboards.notify.transports import Message, TransportError

KEYS = {"url", "bearer_token", "basic_auth", "timeout", "verify_tls"}
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
        settings["bearer_token"] = text(data["bearer_token"], item, "bearer_token")
    if "basic_auth" in data:
        auth = data["basic_auth"]
        if not isinstance(auth, dict) or set(auth) != {"username", "password"}:
            raise ConfigError(item, "basic_auth", "{username: ..., password: ...}")
        settings["basic_auth"] = {
            "username": text(auth["username"], item, "basic_auth.username"),
            "password": text(auth["password"], item, "basic_auth.password"),
        }
    if "timeout" in data:
        duration(data["timeout"], item, "timeout", MAX_TIMEOUT_S)
        settings["timeout"] = data["timeout"]
    if "verify_tls" in data:
        settings["verify_tls"] = boolean(data["verify_tls"], item, "verify_tls")
    return settings


def send(settings: dict, message: Message) -> int:
    """Returns the HTTP status of a 2xx answer; raises TransportError otherwise."""
    headers = {"Idempotency-Key": message.key, "User-Agent": "live-monitor"}
    auth = None
    if "bearer_token" in settings:
        headers["Authorization"] = f"Bearer {settings['bearer_token']}"
    if "basic_auth" in settings:
        auth = (settings["basic_auth"]["username"], settings["basic_auth"]["password"])
    timeout = duration(settings.get("timeout", DEFAULT_TIMEOUT_S), "webhook", "timeout")
    try:
        response = requests.post(
            settings["url"], json=message.payload, headers=headers, auth=auth,
            timeout=timeout, verify=settings.get("verify_tls", True), allow_redirects=False,
        )  # fmt: skip
    except requests.RequestException as exc:
        raise TransportError(f"{type(exc).__name__}: {exc}"[:500]) from None
    if 200 <= response.status_code < 300:
        return response.status_code
    status = response.status_code
    permanent = status < 500 and status not in RETRIED_STATUSES
    answer = response.text[:200].strip()
    raise TransportError(f"HTTP {status}: {answer}", http_status=status, permanent=permanent)
