"""Which routes take an alert, and the group it joins in each: plain data, no database.

Routes are tried in order; the first that matches takes the alert, and with ``continue`` the
following ones are tried too (Alertmanager's routing tree, one level deep). The default route
takes an alert no other route matched.
"""

import json
from dataclasses import dataclass

from dashboards.notify.fields import duration

EVERY_LABEL = "..."


@dataclass(frozen=True)
class RoutePlan:
    """A route as the dispatcher uses it: matchers, targets and timing in seconds."""

    id: int
    name: str
    match: dict[str, list[str]]
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
        return cls(
            route.id, route.name, route.match, contact_points, route.continue_matching,
            tuple(route.group_by), duration(route.group_wait, item, "group_wait"),
            duration(route.group_interval, item, "group_interval"),
            duration(route.repeat_interval, item, "repeat_interval"), route.is_default,
        )  # fmt: skip

    def matches(self, labels: dict[str, str]) -> bool:
        return all(labels.get(key) in wanted for key, wanted in self.match.items())

    def group_labels(self, labels: dict[str, str]) -> dict[str, str]:
        if EVERY_LABEL in self.group_by:
            return dict(sorted(labels.items()))
        return {key: labels.get(key, "") for key in self.group_by}

    def group_key(self, labels: dict[str, str]) -> str:
        """Alertmanager's shape: the route, then the group's labels, ``route:{a="b",...}``."""
        grouped = self.group_labels(labels)
        inner = ",".join(f"{k}={json.dumps(v)}" for k, v in sorted(grouped.items()))
        return f"{self.name}:{{{inner}}}"


def alert_labels(rule: str, host: str, severity: str | None, labels: dict) -> dict[str, str]:
    """An alert's label set as routes and receivers see it: alertname (the rule), host,
    severity, and its own labels (which cannot override those three)."""
    found = {str(k): str(v) for k, v in (labels or {}).items()}
    found.update(alertname=rule, host=host, severity=severity or "")
    return found


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
