"""Acknowledging, un-acknowledging and silencing: roles enforced by the server, every change an
event, and the rule files and the admin refusing bad rules with the rule's name and field."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from dashboards.alerts import responses
from dashboards.alerts.models import Alert, AlertRule
from dashboards.alerts.roles import role_of

pytestmark = pytest.mark.django_db


def user(name: str, role: str | None = None) -> User:
    made = User.objects.create_user(name, password="not-used-1")
    if role:
        made.groups.add(Group.objects.get(name=role))
    return made


@pytest.fixture
def alert(live_settings) -> Alert:
    now = timezone.now()
    return Alert.objects.create(
        fingerprint="f" * 16, rule="cpu", host="db1", state="firing", severity="critical",
        value=99, summary="CPU 99%", started_at=now, fired_at=now, updated_at=now,
    )  # fmt: skip


def test_the_migration_made_the_three_roles_and_the_default_rules():
    assert set(Group.objects.values_list("name", flat=True)) >= {"viewer", "responder", "admin"}
    assert set(AlertRule.objects.values_list("name", flat=True)) == {
        "host-down", "cpu-high", "memory-high", "swap-high", "disk-full", "load-high",
    }  # fmt: skip
    for rule in AlertRule.objects.all():
        rule.full_clean()  # every default is a valid rule


def test_roles():
    assert role_of(user("nobody")) == "viewer"
    assert role_of(user("v", "viewer")) == "viewer"
    assert role_of(user("r", "responder")) == "responder"
    assert role_of(user("a", "admin")) == "admin"
    assert role_of(User.objects.create_superuser("root", password="x")) == "admin"


def test_a_viewer_is_refused_and_nothing_changes(alert):
    for who in (user("v", "viewer"), user("nobody")):
        with pytest.raises(responses.Refused) as refused:
            responses.acknowledge(who, alert.id)
        assert refused.value.code == "forbidden"
        with pytest.raises(responses.Refused):
            responses.silence(who, host="db1", duration=timedelta(hours=1))
    alert.refresh_from_db()
    assert alert.acked_at is None and not alert.events.exists()


def test_ack_then_unack_each_an_event_with_who_and_why(alert):
    responder = user("r", "responder")
    record = responses.acknowledge(responder, alert.id, "  on it ")
    assert record["ack"]["by"] == "r" and record["ack"]["comment"] == "on it"
    with pytest.raises(responses.Refused) as twice:
        responses.acknowledge(responder, alert.id)
    assert twice.value.code == "already_acked"
    record = responses.unacknowledge(responder, alert.id)
    assert record["ack"] is None
    assert [(e.event, e.by.username, e.comment) for e in alert.events.all()] == [
        ("acked", "r", "on it"), ("unacked", "r", ""),
    ]  # fmt: skip
    assert record["version"] == alert.events.last().id


@pytest.mark.parametrize(
    ("alert_id", "comment", "code"),
    [(999, None, "unknown_alert"), ("1", None, "bad_field"), (True, None, "bad_field"),
     (-1, None, "bad_field"), (1, 5, "bad_field"), (1, "x" * 501, "bad_field")],
)  # fmt: skip
def test_bad_acks_get_a_clear_refusal(alert, alert_id, comment, code):
    with pytest.raises(responses.Refused) as refused:
        responses.acknowledge(user("r", "responder"), alert_id, comment)
    assert refused.value.code == code


def test_a_resolved_alert_cannot_be_acknowledged(alert):
    alert.state, alert.resolved_at = "resolved", timezone.now()
    alert.save()
    with pytest.raises(responses.Refused) as refused:
        responses.acknowledge(user("r", "responder"), alert.id)
    assert refused.value.code == "alert_resolved"


def test_silences_need_a_matcher_and_a_sane_length(live_settings):
    responder = user("r", "responder")
    made = responses.silence(responder, host="db1", duration=timedelta(hours=1), comment="deploy")
    assert made.created_by == responder and made.matches("cpu", "db1", {})
    assert not made.matches("cpu", "db2", {})
    with pytest.raises(responses.Refused):
        responses.silence(responder, duration=timedelta(hours=1))  # matches everything
    with pytest.raises(responses.Refused):
        responses.silence(responder, host="db1", duration=timedelta(days=31))
    expired = responses.expire(responder, made.id)
    assert expired.ends_at <= timezone.now()


def test_the_admin_form_names_the_bad_field():
    bad = AlertRule(name="r", metric="cpu.percnt", warning=5)
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert "metric" in error.value.message_dict
    bad = AlertRule(name="r", metric="cpu.percent", warning=50, critical=40)
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert "critical" in error.value.message_dict
    bad = AlertRule(name="r", metric="cpu.percent", warning=50, pending_for="soon")
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert "pending_for" in error.value.message_dict


def test_export_then_import_is_a_round_trip(tmp_path, capsys):
    call_command("alerts", "export")
    exported = capsys.readouterr().out
    (tmp_path / "rules.yaml").write_text(exported)
    AlertRule.objects.filter(name="cpu-high").update(warning=1)
    call_command("alerts", "import", str(tmp_path / "rules.yaml"))
    assert "0 created, 1 updated, 0 deleted" in capsys.readouterr().out
    assert AlertRule.objects.get(name="cpu-high").warning == 85
    call_command("alerts", "export", "--format", "json")
    assert json.loads(capsys.readouterr().out)["rules"][0]["name"] == "cpu-high"


@pytest.mark.parametrize(
    ("text", "message"),
    [("rules: [", "not valid YAML"),
     ("rules:\n  - {name: a, metric: cpu.percent, warning: 1, colour: red}", "rule 'a', colour"),
     ("rules:\n  - {name: a, metric: cpu.percent, warning: 1}\n"
      "  - {name: a, metric: cpu.percent, warning: 2}", "two rules have this name"),
     ("- just a list", 'a rule file is {"rules": [...]}')],
)  # fmt: skip
def test_a_bad_file_imports_nothing(tmp_path, text, message):
    before = list(AlertRule.objects.values_list("name", "warning"))
    (tmp_path / "rules.yaml").write_text(text)
    with pytest.raises(CommandError) as error:
        call_command("alerts", "import", str(tmp_path / "rules.yaml"), "--prune")
    assert message in str(error.value) and "nothing was imported" in str(error.value)
    assert list(AlertRule.objects.values_list("name", "warning")) == before


def test_force_drives_a_metric_and_off_releases_it(live_settings, capsys):
    from core import forcing
    from core.redis_clients import redis_client
    from core.redis_keys import redis_keys

    client = redis_client(live_settings.REDIS_URL)
    keys = redis_keys(live_settings.MONITOR_REDIS_PREFIX)
    call_command("alerts", "force", "db1", "cpu.percent", "99", "--for", "5m")
    call_command("alerts", "force", "db1", "mem.percent", "50")
    assert forcing.read(client, keys) == {"db1": {"cpu.percent": 99.0, "mem.percent": 50.0}}
    call_command("alerts", "force", "db1", "--off")
    assert "2 forced metric(s) of db1 released" in capsys.readouterr().out
    assert forcing.read(client, keys) == {}
    with pytest.raises(CommandError):
        call_command("alerts", "force", "db1", "cpu.percent")


def test_a_forced_metric_ends_by_itself_and_junk_is_dropped():
    from core import forcing

    raw = {b"db1 cpu.percent": b"99.0 100.0", b"db1 mem.percent": b"50.0 300.0", b"junk": b"x"}
    forced, expired = forcing.parse(raw, now=200.0)
    assert forced == {"db1": {"mem.percent": 50.0}}
    assert sorted(expired) == [b"db1 cpu.percent", b"junk"]
