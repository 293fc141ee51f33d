"""Routes as the dispatcher reads them: stored values of the wrong shape are read leniently,
never raised on, and labels an alert lacks are left out as Alertmanager does."""

from types import SimpleNamespace

from dashboards.notify.routing import RoutePlan, alert_labels, routes_for


def plan(match=None, group_by=("alertname", "host"), name="r", **fields) -> RoutePlan:
    route = SimpleNamespace(
        id=1, name=name, match=match, continue_matching=False, group_by=group_by,
        group_wait="30s", group_interval="5m", repeat_interval="4h", is_default=False,
    )  # fmt: skip
    for key, value in fields.items():
        setattr(route, key, value)
    return RoutePlan.of(route, (1,))


def test_a_stored_single_value_matches_as_a_value_not_as_a_substring():
    critical = plan(match={"severity": "critical"})
    assert critical.matches({"severity": "critical"})
    assert not critical.matches({"severity": "crit"})


def test_an_alert_without_the_matched_label_does_not_match_and_nothing_raises():
    assert not plan(match={"severity": "critical"}).matches({"alertname": "x"})
    assert routes_for([plan(match={"mount": "/"})], {"alertname": "x"}) == []


def test_a_stored_rule_matcher_and_group_by_mean_alertname():
    stored = plan(match={"rule": ["cpu-high"]}, group_by="rule")
    assert stored.matches({"alertname": "cpu-high"})
    assert stored.group_by == ("alertname",)


def test_a_stored_match_that_is_not_a_mapping_matches_everything_like_an_empty_one():
    assert plan(match="severity=critical").matches({"alertname": "x"})


def test_a_label_the_alert_lacks_is_left_out_of_the_group_labels_and_key():
    by_mount = plan(group_by=["alertname", "mount"], name="disks")
    labels = alert_labels("disk-full", "db1", None, {"mount": ""})
    assert labels == {"alertname": "disk-full", "host": "db1"}  # no empty severity, no mount
    assert by_mount.group_labels(labels) == {"alertname": "disk-full"}
    assert by_mount.group_key(labels) == 'disks:{alertname="disk-full"}'
