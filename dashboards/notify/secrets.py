"""Secrets of contact points (each kind's SECRETS: tokens, passwords, apprise URLs) shown as
REDACTED in the API and in exports, and a REDACTED value sent back keeps the stored secret, so
a client can GET, change a field and PUT without ever holding the secret."""

import copy

from dashboards.notify.transports import KINDS, kind

REDACTED = "•••"


def _paths(what: str) -> tuple[list[str], ...]:
    if not isinstance(what, str) or what not in KINDS:
        return ()
    return tuple(path.split(".") for path in kind(what).SECRETS)


def _parent(settings: dict, path: list[str]) -> dict | None:
    for key in path[:-1]:
        settings = settings.get(key) if isinstance(settings, dict) else None
    return settings if isinstance(settings, dict) else None


def redact(what: str, settings: dict) -> dict:
    """A copy of a kind's settings with each secret (each item of a list of them) hidden."""
    shown = copy.deepcopy(settings)
    for path in _paths(what):
        parent = _parent(shown, path)
        if parent is None or path[-1] not in parent:
            continue
        value = parent[path[-1]]
        parent[path[-1]] = [REDACTED] * len(value) if isinstance(value, list) else REDACTED
    return shown


def restore(what: str, settings: dict, stored: dict) -> dict:
    """``settings`` with each REDACTED secret (or list item) taken from ``stored``."""
    given = copy.deepcopy(settings)
    for path in _paths(what):
        parent, old = _parent(given, path), _parent(stored, path)
        if parent is None or old is None or path[-1] not in parent:
            continue
        value, kept = parent[path[-1]], old.get(path[-1])
        if value == REDACTED:
            parent[path[-1]] = kept
        elif isinstance(value, list) and isinstance(kept, list):
            parent[path[-1]] = [
                kept[i] if v == REDACTED and i < len(kept) else v for i, v in enumerate(value)
            ]
    return given
