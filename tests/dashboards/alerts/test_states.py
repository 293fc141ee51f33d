"""The alert state machine with a fake clock: pending, for, firing, escalation, hysteresis,
no data, and suppression while the host is down."""

from collectors.host import HostSampler
from dashboards.alerts.rules import parse_rule
from dashboards.alerts.states import AlertState, step

FIELDS = HostSampler.fields()


def cpu(**fields):
    return parse_rule(
        {"name": "cpu", "metric": "cpu.percent", "warning": 85, "critical": 95, "for": "10s",
         "clear": 80, **fields},
        FIELDS,
    )  # fmt: skip


def run(rule, values, start=0.0, every=1.0, down=()):
    """Feed one value a tick (None: no data); returns [(state, severity, event)] per tick."""
    state, seen = AlertState(), []
    for tick, value in enumerate(values):
        result = step(rule, state, value, start + tick * every, host_down=tick in down)
        state = result.state
        seen.append((state.state, state.severity, result.event))
    return seen


def test_pending_for_the_for_duration_then_firing():
    seen = run(cpu(), [90] * 12)
    assert seen[0] == ("pending", "warning", "pending")
    assert all(s == ("pending", "warning", None) for s in seen[1:10])
    assert seen[10] == ("firing", "warning", "fired")
    assert seen[11] == ("firing", "warning", None)  # one alert, however long it lasts


def test_a_breach_shorter_than_for_never_fires():
    assert [s[0] for s in run(cpu(), [90] * 5 + [50])] == ["pending"] * 5 + ["inactive"]
    assert run(cpu(), [90] * 5 + [50])[-1][2] is None


def test_for_zero_fires_at_once():
    assert run(cpu(**{"for": "0s"}), [99]) == [("firing", "critical", "fired")]


def test_severity_rises_and_falls_while_firing():
    seen = run(cpu(**{"for": 0}), [90, 97, 97, 88])
    assert [s[2] for s in seen] == ["fired", "escalated", None, "deescalated"]
    assert [s[1] for s in seen] == ["warning", "critical", "critical", "warning"]


def test_hysteresis_a_value_hovering_at_the_line_does_not_flap():
    # Fires above 85; clears only below 80: 84, 86, 83, 86 keeps one firing alert.
    seen = run(cpu(**{"for": 0}), [86, 84, 86, 83, 86, 79])
    assert [s[2] for s in seen] == ["fired", None, None, None, None, "resolved"]
    assert seen[-1][0] == "inactive"


def test_no_data_keeps_by_default_fires_or_resolves_when_asked():
    assert run(cpu(**{"for": 0}), [90, None, None])[-1] == ("firing", "warning", None)
    alerting = run(cpu(**{"for": 0, "nodata": "alert"}), [None])
    assert alerting == [("firing", "critical", "fired")]
    resolving = run(cpu(**{"for": 0, "nodata": "resolve"}), [90, None])
    assert resolving[-1] == ("inactive", None, "resolved")


def test_a_down_host_holds_its_alerts_and_they_resume_when_it_is_back():
    seen = run(cpu(**{"for": 0}), [90, 90, 90, 90, 90], down={1, 2, 3})
    assert seen[0] == ("firing", "warning", "fired")
    assert seen[1] == ("suppressed", "warning", "suppressed")
    assert seen[2] == seen[3] == ("suppressed", "warning", None)  # held, not resolved
    assert seen[4] == ("firing", "warning", "resumed")  # not fired anew


def test_nothing_fires_anew_while_the_host_is_down():
    seen = run(cpu(**{"for": 0}), [50, 99, 99], down={1, 2})
    assert [s[0] for s in seen] == ["inactive", "inactive", "inactive"]


def test_a_held_alert_whose_value_is_fine_when_the_host_returns_resolves():
    seen = run(cpu(**{"for": 0}), [90, 90, 40], down={1})
    assert seen[-1] == ("inactive", None, "resolved")
