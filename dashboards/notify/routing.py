"""Which routes take an alert, and the group it joins in each: plain data, no database.

Routes are tried in order; the first that matches takes the alert, and with ``continue`` the
following ones are tried too (Alertmanager's routing tree, one level deep). The default route
takes an alert no other route matched.
"""

import json
from dataclasses import dataclass

from dashboards.notify.fields import duration

EVERY_LABEL = "..."
# "rule" is another name for alertname, in matchers and in group_by.
LABEL_ALIASES = {"rule": "alertname"}


def _texts(value) -> tuple[str, ...]:
    """One value or a list of them, as stored: a row saved around the checks (an old row, a
    shell) is read leniently rather than stopping every notification."""
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return (str(value),)


def _matchers(match) -> dict[str, tuple[str, ...]]:
    if not isinstance(match, dict):
        return {}
    return {LABEL_ALIASES.get(str(k), str(k)): _texts(v) for k, v in match.items()}


@dataclass(frozen=True)
class RoutePlan:
    """A route as the dispatcher uses it: matchers, targets and timing in seconds."""

    id: int
    name: str
    match: dict[str, tuple[str, ...]]
    contact_points: tuple[int, ...]
    continue_matching: bool
    group_by: tuple[str, ...]
    group_wait_s: float
    group_interval_s: float
    repeat_interval_s: float
    is_default: bool = False

    @classmethod
    def of(cls, route, contact_points: tuple[int, ...]) -> "RoutePlan":
        item = f"route {route.name!r}"
        group_by = tuple(LABEL_ALIASES.get(label, label) for label in _texts(route.group_by))
        return cls(
            route.id, route.name, _matchers(route.match), contact_points,
            bool(route.continue_matching), group_by,
            duration(route.group_wait, item, "group_wait"),
            duration(route.group_interval, item, "group_interval"),
            duration(route.repeat_interval, item, "repeat_interval"), route.is_default,
        )  # fmt: skip

    def matches(self, labels: dict[str, str]) -> bool:
        return all(labels.get(key) in wanted for key, wanted in self.match.items())

    def group_labels(self, labels: dict[str, str]) -> dict[str, str]:
        """As Alertmanager: a label the alert lacks is left out, not given as ""."""
        if EVERY_LABEL in self.group_by:
            return dict(sorted(labels.items()))
        return {key: labels[key] for key in self.group_by if labels.get(key)}

    def group_key(self, labels: dict[str, str]) -> str:
        """Alertmanager's shape: the route, then the group's labels, ``route:{a="b",...}``."""
        grouped = self.group_labels(labels)
        inner = ",".join(f"{k}={json.dumps(v)}" for k, v in sorted(grouped.items()))
        return f"{self.name}:{{{inner}}}"


def alert_labels(rule: str, host: str, severity: str | None, labels: dict) -> dict[str, str]:
    """An alert's label set as routes and receivers see it: alertname (the rule), host,
    severity, and its own labels (which cannot override those three). Empty values are left
    out, as Alertmanager has no empty labels."""
    found = {str(k): str(v) for k, v in (labels or {}).items()}
    found.update(alertname=rule, host=host, severity=severity or "")
    return {key: value for key, value in found.items() if value != ""}


def routes_for(plans: list[RoutePlan], labels: dict[str, str]) -> list[RoutePlan]:
    """The routes that take an alert with these labels, in order."""
    taken = []
    for plan in plans:
        if plan.is_default or not plan.matches(labels):
            continue
        taken.append(plan)
        if not plan.continue_matching:
            break
    if not taken:
        taken = [plan for plan in plans if plan.is_default]
    return taken
