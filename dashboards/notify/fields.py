"""Checks of single fields of contact points and routes, for the kinds and the file reader:
each refuses with ConfigError naming the item and the field."""

import re

from dashboards.alerts.rules import RuleError, parse_duration

NAME = re.compile(r"\A[a-z0-9][a-z0-9_.\-]{0,62}\Z")


class ConfigError(ValueError):
    """A contact point or route that cannot be used: names the item and the field."""

    def __init__(self, item: str, field: str, message: str) -> None:
        super().__init__(f"{item}, {field}: {message}")
        self.item, self.field, self.message = item, field, message


def duration(value, item: str, field: str, maximum: float | None = None) -> float:
    """Seconds from "30s", "5m", "4h" (the rules' own reader)."""
    try:
        seconds = parse_duration(value, item, field)
    except RuleError as exc:
        raise ConfigError(item, field, exc.message) from None
    if maximum is not None and seconds > maximum:
        raise ConfigError(item, field, f"{value!r} is longer than {maximum:g} s")
    return seconds


def text(value, item: str, field: str, limit: int = 500) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise ConfigError(item, field, f"a text of 1 to {limit} characters")
    return value.strip()


def texts(value, item: str, field: str) -> list[str]:
    """A non-empty list of texts (one text is taken as a list of one)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise ConfigError(item, field, "a list of one or more texts")
    return [text(v, item, field, 2000) for v in value]


def boolean(value, item: str, field: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(item, field, f"{value!r}: true or false")
    return value


def known_keys(data: dict, known: set[str], item: str) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(item, unknown[0], f"unknown field (known: {', '.join(sorted(known))})")
