"""Field metadata shared by all samplers: every metric is declared as data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar, Protocol

# Placeholders stand for one name part chosen at runtime; core numbers are digits, while mount
# points, interface and sensor names may themselves contain dots or slashes.
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_PLACEHOLDER_PATTERNS = {"n": r"\d+"}
_ANY_TEXT = r".+"


@dataclass(frozen=True)
class Field:
    """One metric: a flat dotted name (unit in the last part, `{placeholders}` allowed),
    its unit and a one-line description."""

    name: str
    unit: str
    description: str

    def matches(self, key: str) -> bool:
        """Return True if `key` is a concrete instance of this field's (possibly patterned) name."""
        return _compiled_pattern(self.name).fullmatch(key) is not None


class Sampler(Protocol):
    """What the composite needs from an area sampler."""

    fields: ClassVar[tuple[Field, ...]]

    def sample(self, now: float) -> dict[str, float]:
        """Read psutil once and return metrics; `now` is time.monotonic() for rate deltas."""
        ...


@lru_cache(maxsize=256)
def _compiled_pattern(name: str) -> re.Pattern[str]:
    parts: list[str] = []
    position = 0
    for placeholder in _PLACEHOLDER.finditer(name):
        parts.append(re.escape(name[position : placeholder.start()]))
        parts.append(_PLACEHOLDER_PATTERNS.get(placeholder.group(1), _ANY_TEXT))
        position = placeholder.end()
    parts.append(re.escape(name[position:]))
    return re.compile("".join(parts))


# Made by the central evaluator from a host's status, not sampled: what the host-down rule
# watches (docs/metrics.md lists it with the sampled ones).
HOST_UP = Field(
    "host.up", "bool", "1 while the host's samples arrive (up or late), 0 once it is down."
)
