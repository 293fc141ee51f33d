"""The rule language: good rules read as data, bad ones refused naming the rule and the field."""

import pytest

from collectors.host import HostSampler
from dashboards.alerts.rules import RuleError, parse_rule, parse_rules

FIELDS = HostSampler.fields()


def rule(**fields):
    return parse_rule({"name": "r", "metric": "cpu.percent", "warning": 85, **fields}, FIELDS)


def test_the_design_example_reads_as_written():
    parsed = parse_rule(
        {"name": "cpu-high", "metric": "cpu.percent", "hosts": "*", "op": ">", "warning": 85,
         "critical": 95, "for": "120s", "clear": 80, "nodata": "keep",
         "summary": "CPU {value}% on {host}"},
        FIELDS,
    )  # fmt: skip
    assert (parsed.warning, parsed.critical, parsed.for_s, parsed.clear_at) == (85, 95, 120, 80)
    assert parsed.severity_of(96) == "critical" and parsed.severity_of(90) == "warning"
    assert parsed.severity_of(85) is None  # ">" is strict
    assert parsed.render(parsed.summary, "db1", 96.5, {}) == "CPU 96.5% on db1"


def test_a_pattern_turns_its_wildcard_into_the_label_its_placeholder_names():
    disk = rule(metric="disk.*.used_percent", summary="{label.mount} is {value}% full")
    assert disk.metric.match("disk./var/lib.used_percent") == {"mount": "/var/lib"}
    assert disk.metric.match("disk.io.read_bytes_per_s") is None
    assert disk.render(disk.summary, "h", 91, {"mount": "/var"}) == "/var is 91% full"
    cores = rule(metric="cpu.core.*.percent")
    assert cores.metric.match("cpu.core.3.percent") == {"n": "3"}
    assert cores.metric.match("cpu.core.x.percent") is None


def test_hosts_by_name_or_by_labels():
    by_name = rule(hosts=["db1", "db2"])
    assert by_name.hosts.selects("db1", {}) and not by_name.hosts.selects("web1", {})
    by_label = rule(hosts={"env": "prod"})
    assert by_label.hosts.selects("x", {"env": "prod", "role": "db"})
    assert not by_label.hosts.selects("x", {"env": "dev"})


def test_below_rules_compare_the_other_way_and_clear_above():
    low = rule(metric="mem.available_bytes", op="<", warning=500, critical=100, clear=800)
    assert low.severity_of(50) == "critical" and low.severity_of(300) == "warning"
    assert low.still_firing(700) and not low.still_firing(900)


def test_without_clear_a_firing_alert_clears_at_its_lowest_threshold():
    assert rule(critical=95).clear_at == 85


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"metric": "cpu.percnt"}, "metric", "not a metric"),
        ({"metric": "disk.*.*"}, "metric", "one * at most"),
        ({"metric": "disk.*.used_bytez"}, "metric", "no pattern"),
        ({"metric": "disk.{mount}.used_percent"}, "metric", "not a metric"),
        ({"op": "=="}, "op", "one of"),
        ({"warning": "high"}, "warning", "not a number"),
        ({"warning": True}, "warning", "not a number"),
        ({"warning": None}, "warning", "give a warning or a critical"),
        ({"critical": 50}, "critical", "must be past warning"),
        ({"clear": 90}, "clear", "must not be past the threshold"),
        ({"for": "soon"}, "for", "not a duration"),
        ({"for": -1}, "for", "not a duration"),
        ({"nodata": "panic"}, "nodata", "one of"),
        ({"hosts": ["bad host"]}, "hosts", "not host names"),
        ({"hosts": 7}, "hosts", "use"),
        ({"summary": "{value"}, "summary", "not a template"),
        ({"severity": "high"}, "severity", "unknown field"),
        ({"name": "Has Spaces"}, "name", "lower-case"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_rule_and_the_field(fields, field, words):
    with pytest.raises(RuleError) as refused:
        rule(**fields)
    assert refused.value.field == field
    assert words in refused.value.message


def test_a_file_is_taken_whole_or_not_at_all():
    good = {"name": "a", "metric": "cpu.percent", "warning": 1}
    assert [r.name for r in parse_rules({"rules": [good]}, FIELDS)] == ["a"]
    with pytest.raises(RuleError, match="rule 'b', warning"):
        parse_rules({"rules": [good, {"name": "b", "metric": "cpu.percent"}]}, FIELDS)
    with pytest.raises(RuleError, match="two rules have this name"):
        parse_rules({"rules": [good, good]}, FIELDS)
    with pytest.raises(RuleError, match="rules"):
        parse_rules([good], FIELDS)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(98.5583, "98.6"), (99.0, "99"), (1234.56, "1234.6"), (0.01234, "0.0123"), (0, "0"),
     (-3.25, "-3.2")],
)  # fmt: skip
def test_a_summary_shows_the_value_as_a_wall_would(value, shown):
    from dashboards.alerts.rules import readable

    assert readable(value) == shown
