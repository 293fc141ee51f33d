"""The kinds of contact point: one module each, with the same three names (KEYS, ``check``,
``send``), found through this one registry and imported on first use."""

import functools
from dataclasses import dataclass
from importlib import import_module
from types import ModuleType

KINDS = {
    "webhook": "dashboards.notify.transports.webhook",
    "apprise": "dashboards.notify.transports.apprise",
    "email": "dashboards.notify.transports.email",
}


@dataclass(frozen=True)
class Message:
    """What every kind is handed: the Alertmanager v4 payload, its text form, and the key that
    lets a receiver drop a redelivery."""

    payload: dict
    title: str
    body: str
    key: str


class TransportError(Exception):
    """A send that did not succeed; ``permanent`` when trying again cannot help (a 4xx)."""

    def __init__(self, message: str, http_status: int | None = None, permanent: bool = False):
        super().__init__(message)
        self.message, self.http_status, self.permanent = message, http_status, permanent


@functools.cache
def kind(name: str) -> ModuleType:
    return import_module(KINDS[name])
