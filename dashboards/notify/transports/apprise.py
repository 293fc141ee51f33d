"""Send the text form through the apprise library to each of its URLs (Slack, Teams, ntfy,
json://, mailto:// ...). Success only when every URL took it; a retry sends to all of them again,
so apprise targets are at least once (apprise passes no Idempotency-Key on)."""

import apprise as apprise_lib

from dashboards.notify.fields import ConfigError, duration, known_keys, texts
from dashboards.notify.transports import Message, TransportError

KEYS = {"urls", "timeout"}
SECRETS = ("urls",)  # an apprise URL holds its service's token (secrets.py)
DEFAULT_TIMEOUT_S = 10.0
MAX_TIMEOUT_S = 60.0


def check(data: dict, item: str) -> dict:
    known_keys(data, KEYS, item)
    urls = texts(data.get("urls"), item, "urls")
    for url in urls:
        if apprise_lib.Apprise.instantiate(url) is None:
            # Never echo the URL: it often holds a token.
            raise ConfigError(
                item, "urls", f"apprise does not understand a {_scheme(url)}:// URL here"
            )
    settings = {"urls": urls}
    if "timeout" in data:
        duration(data["timeout"], item, "timeout", MAX_TIMEOUT_S)
        settings["timeout"] = data["timeout"]
    return settings


def _notify_type(payload: dict) -> str:
    if payload.get("status") == "resolved":
        return apprise_lib.NotifyType.SUCCESS
    if payload.get("commonLabels", {}).get("severity") == "warning":
        return apprise_lib.NotifyType.WARNING
    return apprise_lib.NotifyType.FAILURE


def timeout_s(settings: dict) -> float:
    """The longest one send may take, in all (delivery.py holds it to that)."""
    return duration(settings.get("timeout", DEFAULT_TIMEOUT_S), "apprise", "timeout")


def _scheme(url: str) -> str:
    return url.partition("://")[0]


def send(settings: dict, message: Message) -> None:
    """Returns None when every URL took the message; raises TransportError naming only the
    URLs' schemes otherwise (apprise's own warnings can quote a URL, and with it its token)."""
    sender = apprise_lib.Apprise()
    for url in settings["urls"]:
        sender.add(url)
    result = sender.notify(
        body=message.body, title=message.title, notify_type=_notify_type(message.payload),
        timeout=timeout_s(settings),
    )  # fmt: skip
    if not result:
        schemes = ", ".join(sorted({f"{_scheme(url)}://" for url in settings["urls"]}))
        raise TransportError(f"apprise could not send to every URL ({schemes})")
