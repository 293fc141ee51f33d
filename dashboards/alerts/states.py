"""An alert instance's life, as a plain function of what it was, what is measured now and when.

States as Grafana and Prometheus users know them: inactive (nothing to show), pending (past a
threshold, waiting out the rule's ``for``), firing (warning or critical; the severity rises and
falls while it fires), and suppressed (its host is down: held, neither resolved nor fired anew,
until the host is back). Resolving ends the instance. No data follows the rule's ``nodata``:
keep the state, fire, or resolve. Hysteresis: a firing alert resolves only once its value is
back past the clear line, so a value hovering at the threshold does not flap.

``step`` returns the new state and the event to record and push (None when nothing changed
that anyone needs to hear of). The clock is an argument: tests drive it.
"""

from dataclasses import dataclass, replace

from dashboards.alerts.rules import Rule

INACTIVE, PENDING, FIRING, SUPPRESSED = "inactive", "pending", "firing", "suppressed"
# Events, as docs/protocol.md will name them on the socket.
PENDING_EVENT, FIRED, ESCALATED, DEESCALATED, RESOLVED = (
    "pending", "fired", "escalated", "deescalated", "resolved"
)  # fmt: skip
SUPPRESSED_EVENT, RESUMED = "suppressed", "resumed"
_RANK = {None: 0, "warning": 1, "critical": 2}


@dataclass(frozen=True)
class AlertState:
    state: str = INACTIVE
    severity: str | None = None
    value: float | None = None
    pending_since: float | None = None
    started_at: float | None = None  # when it began firing
    held: str | None = None  # the state a suppression holds


@dataclass(frozen=True)
class Step:
    state: AlertState
    event: str | None = None


def step(
    rule: Rule, before: AlertState, value: float | None, now: float, host_down: bool = False
) -> Step:
    """The next state of one alert instance (rule, host, labels) at ``now``."""
    if host_down:
        return _suppress(before)
    if before.state == SUPPRESSED:
        # The host is back: carry on from what was held, judged on today's value.
        resumed = replace(before, state=before.held or INACTIVE, held=None)
        after = step(rule, resumed, value, now)
        if after.state.state == FIRING and after.event in (None, ESCALATED, DEESCALATED):
            return Step(after.state, RESUMED)
        return after
    if value is None:
        return _no_data(rule, before, now)
    if before.state == FIRING:
        return _while_firing(rule, before, value)
    severity = rule.severity_of(value)
    if severity is None:
        return Step(AlertState())  # pending that did not last: back to nothing, silently
    if before.state == PENDING:
        if now - before.pending_since >= rule.for_s:
            fired = AlertState(FIRING, severity, value, before.pending_since, now)
            return Step(fired, FIRED)
        return Step(replace(before, severity=severity, value=value))
    if rule.for_s <= 0:
        return Step(AlertState(FIRING, severity, value, now, now), FIRED)
    return Step(AlertState(PENDING, severity, value, pending_since=now), PENDING_EVENT)


def _while_firing(rule: Rule, before: AlertState, value: float) -> Step:
    if not rule.still_firing(value):
        return Step(AlertState(value=value), RESOLVED)
    # Past the clear line but below every threshold: it keeps firing at the lowest severity.
    severity = rule.severity_of(value) or ("warning" if rule.warning is not None else "critical")
    after = replace(before, severity=severity, value=value)
    if _RANK[severity] > _RANK[before.severity]:
        return Step(after, ESCALATED)
    if _RANK[severity] < _RANK[before.severity]:
        return Step(after, DEESCALATED)
    return Step(after)


def _no_data(rule: Rule, before: AlertState, now: float) -> Step:
    if rule.nodata == "keep" or (rule.nodata == "resolve" and before.state == INACTIVE):
        return Step(before)
    if rule.nodata == "resolve":
        return Step(AlertState(), RESOLVED if before.state == FIRING else None)
    # "alert": no data is itself the problem, at the rule's highest severity.
    severity = "critical" if rule.critical is not None else "warning"
    if before.state == FIRING:
        return Step(replace(before, severity=severity, value=None),
                    ESCALATED if _RANK[severity] > _RANK[before.severity] else None)  # fmt: skip
    return Step(AlertState(FIRING, severity, None, now, now), FIRED)


def _suppress(before: AlertState) -> Step:
    if before.state in (INACTIVE, SUPPRESSED):
        return Step(before)  # nothing to hold, or held already; nothing new fires meanwhile
    return Step(replace(before, state=SUPPRESSED, held=before.state), SUPPRESSED_EVENT)
