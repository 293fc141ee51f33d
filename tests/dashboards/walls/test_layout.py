"""The layout schema (dashboards/walls/layout.py): every panel type, and errors that name the
panel and the field; what a layout's one socket must follow."""

import pytest

from dashboards.walls.layout import LayoutError, subscriptions, validate_layout


def layout(*panels: dict, **top) -> dict:
    return {"schema": 1, "columns": 12, "panels": list(panels), **top}


def panel(kind: str, pid: str = "p", x=0, y=0, w=4, h=3, **options) -> dict:
    return {"id": pid, "type": kind, "x": x, "y": y, "w": w, "h": h, **options}


EVERY_TYPE = [
    panel("hosts", "tiles", labels={"env": "prod"}),
    panel("host", "db1", x=4, host="db1"),
    panel("chart", "cpu", x=8, metric="cpu.percent", hosts=["db1", "web1"], window_s=600),
    panel("chart", "disk", y=3, metric="disk./var.used_percent", labels={"role": "db"}),
    panel("stat", "load", x=4, y=3, metric="load.1m", host="db1", unit="", title="Load"),
    panel("status", "counts", x=8, y=3),
    panel("alerts", "crit", y=6, severity="critical", labels={"env": "prod"}),
    panel("clock", "utc", x=4, y=6, tz="Europe/Paris"),
    panel("text", "note", x=8, y=6, markdown="# On call\nring **Bob**"),
]


def error_of(data) -> LayoutError:
    with pytest.raises(LayoutError) as caught:
        validate_layout(data)
    return caught.value


def test_it_takes_every_panel_type():
    checked = validate_layout(layout(*EVERY_TYPE))
    assert [p["type"] for p in checked["panels"]] == [p["type"] for p in EVERY_TYPE]
    assert checked["panels"] == EVERY_TYPE


def test_it_fills_in_the_default_columns():
    assert validate_layout({"schema": 1, "panels": []}) == layout()


def test_it_takes_summary_metrics_and_concrete_placeholders():
    for metric in ("disk.fullest_used_percent", "cpu.core.3.percent", "net.eth0.rx_bytes_per_s"):
        validate_layout(layout(panel("stat", metric=metric, host="db1")))


@pytest.mark.parametrize(
    ("bad", "path", "words"),
    [
        (panel("chart", "c", metric="cpu.bogus", hosts=["a"]), "panels[0].metric", "not a metric"),
        (panel("chart", "c", metric="cpu.core.{n}.percent", hosts=["a"]), "panels[0].metric", ""),
        (panel("chart", "c", metric="cpu.percent"), "panels[0].hosts", "needs hosts or labels"),
        (
            panel("chart", "c", metric="cpu.percent", hosts=["a"], labels={"a": "b"}),
            "panels[0].labels",
            "not both",
        ),
        (panel("chart", "c", metric="load.1m", hosts=["a"], window_s=5), "panels[0].window_s", ""),
        (panel("host", "h"), "panels[0].host", "required"),
        (panel("host", "h", host="bad name"), "panels[0].host", "not a host name"),
        (panel("stat", "s", host="a"), "panels[0].metric", "required"),
        (panel("hosts", "t", labels={"env": 3}), "panels[0].labels", "not a label"),
        (panel("alerts", "a", severity="info"), "panels[0].severity", "warning, critical"),
        (panel("clock", "c", tz="Mars/Olympus"), "panels[0].tz", "time zone"),
        (panel("text", "t"), "panels[0].markdown", "needs markdown or text"),
        (panel("text", "t", text="x" * 4001), "panels[0].text", "longer than 4000"),
        (panel("hosts", "t", colour="red"), "panels[0].colour", "unknown key"),
        (panel("hosts", "t", host="db1"), "panels[0].host", "unknown key"),
        (panel("gauge", "g"), "panels[0].type", "not one of"),
        (panel(["hosts"], "g"), "panels[0].type", "not one of"),
        (panel("hosts", "t", labels={1: "a"}), "panels[0].labels", "not a label"),
        (panel("hosts", "bad id"), "panels[0].id", "letters"),
        (panel("hosts", "t", x=9, w=4), "panels[0].w", "past the grid's 12 columns"),
        (panel("hosts", "t", x=12), "panels[0].x", "from 0 to 11"),
        (panel("hosts", "t", w=0), "panels[0].w", "from 1 to 12"),
        (panel("hosts", "t", y=-1), "panels[0].y", ""),
        (panel("hosts", "t", h=2.5), "panels[0].h", "whole number"),
        (panel("hosts", "t", y=199, h=2), "panels[0].h", "past the grid's 200 rows"),
        (panel("hosts", "t", title=7), "panels[0].title", "text"),
    ],
)
def test_each_error_names_the_panel_and_the_field(bad, path, words):
    error = error_of(layout(bad))
    assert error.path == path
    assert f"panel 0 ({bad['id']}): {path.split('.', 1)[1]}: " in str(error)
    assert words in error.message


def test_a_panel_without_x_is_refused_naming_x():
    bad = panel("hosts", "t")
    del bad["x"]
    assert error_of(layout(bad)).path == "panels[0].x"


def test_overlapping_panels_are_refused_naming_both():
    error = error_of(layout(panel("hosts", "a", w=6), panel("alerts", "b", x=5, y=2)))
    assert error.path == "panels[1].x"
    assert str(error) == "panel 1 (b): x: overlaps panel 0 (a)"


def test_touching_panels_do_not_overlap():
    validate_layout(
        layout(panel("hosts", "a", w=6), panel("alerts", "b", x=6), panel("clock", "c", y=3))
    )


def test_ids_are_unique():
    error = error_of(layout(panel("hosts", "a"), panel("clock", "a", y=3)))
    assert (error.path, error.message) == ("panels[1].id", "panel 0 has this id")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (layout(schema=2), "schema"),
        ({"columns": 12, "panels": []}, "schema"),
        (layout(schema="1"), "schema"),
        (layout(columns=0), "columns"),
        (layout(columns=49), "columns"),
        (layout(colour="red"), "colour"),
        ({"schema": 1, "panels": {}}, "panels"),
        ([], "layout"),
        (layout("not a panel"), "panels[0].panel"),
    ],
)
def test_the_layout_itself_is_checked(data, field):
    assert error_of(data).path == field


def test_a_wrong_schema_number_says_which_is_known():
    assert str(error_of(layout(schema=2))) == "schema: 2 is not 1, the schema known"


def test_a_narrower_grid_limits_the_panels():
    assert error_of(layout(panel("hosts", "t", x=4, w=1), columns=4)).path == "panels[0].x"
    assert error_of(layout(panel("hosts", "t", x=0, w=6), columns=4)).path == "panels[0].w"


# -- subscriptions


def subs(*panels):
    return subscriptions(validate_layout(layout(*panels)))


def test_a_hosts_panel_over_everything_follows_every_host_in_summary():
    found = subs(panel("hosts", "t"), panel("alerts", "a", x=4))
    assert (found.hosts, found.labels, found.view, found.alerts) == ("*", (), "summary", True)
    assert found.as_message() == {"type": "subscribe", "hosts": "*", "view": "summary"}


def test_label_filters_follow_every_host_and_say_which_to_keep():
    found = subs(
        panel("hosts", "t", labels={"env": "prod"}),
        panel("status", "s", x=4, labels={"env": "prod"}),
        panel("stat", "db", x=8, metric="cpu.percent", host="db9"),
    )
    assert found.hosts == "*"
    assert found.labels == ({"env": "prod"},)
    assert found.named == ("db9",)
    assert found.alerts is False


def test_a_panel_over_everything_makes_label_filters_moot():
    found = subs(panel("hosts", "t", labels={"env": "prod"}), panel("status", "s", x=4))
    assert (found.hosts, found.labels) == ("*", ())


def test_named_hosts_alone_follow_just_those():
    found = subs(
        panel("chart", "c", metric="cpu.percent", hosts=["web2", "web1"]),
        panel("stat", "s", x=4, metric="mem.percent", host="db1"),
    )
    assert (found.hosts, found.view) == (("db1", "web1", "web2"), "summary")
    assert found.as_message()["hosts"] == ["db1", "web1", "web2"]


def test_a_metric_beyond_the_summary_needs_full_samples():
    assert subs(panel("chart", "c", metric="swap.percent", hosts=["a"])).view == "full"
    assert subs(panel("host", "h", host="a")).view == "full"
    assert subs(panel("chart", "c", metric="cpu.percent", labels={"a": "b"})).view == "summary"


def test_clocks_and_notes_need_no_socket_messages():
    found = subs(panel("clock", "c"), panel("text", "t", x=4, text="hello"))
    assert (found.hosts, found.alerts, found.as_message()) == ((), False, None)


def test_the_fleet_migration_layout_is_valid_and_follows_everything():
    from importlib import import_module

    fleet = import_module("dashboards.walls.migrations.0002_fleet").FLEET_LAYOUT
    assert validate_layout(fleet) == fleet
    assert subscriptions(fleet).as_message() == {
        "type": "subscribe",
        "hosts": "*",
        "view": "summary",
    }
