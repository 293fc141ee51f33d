"""`manage.py notify import/export`: all or nothing, errors naming the item and the field."""

import pytest
from django.core.management import CommandError, call_command

from dashboards.notify.config import parse_contact_point
from dashboards.notify.fields import ConfigError
from dashboards.notify.files import export_document, import_document, read_text
from dashboards.notify.models import ContactPoint, Route
from dashboards.notify.secrets import REDACTED

pytestmark = pytest.mark.django_db

GOOD = """
contact_points:
  - name: oncall
    kind: webhook
    url: https://hooks.example.com/alerts
    bearer_token: abc
    timeout: 5s
  - name: chat
    kind: apprise
    urls: ["json://127.0.0.1:9999/"]
    send_resolved: false
  - name: mail
    kind: email
    to: [ops@example.com]
routes:
  - name: critical
    match: {severity: critical, rule: cpu-high}
    contact_points: [oncall]
    continue: true
    group_wait: 10s
  - name: db
    match: {host: [db1, db2]}
    contact_points: [chat]
default_route:
  contact_points: [mail]
  repeat_interval: 12h
"""


def test_a_file_is_imported_and_exported_in_the_same_shape():
    counts = import_document(read_text(GOOD))
    assert counts == {"created": 3, "updated": 0, "deleted": 0, "routes": 2}
    assert list(Route.objects.values_list("name", flat=True)) == ["critical", "db", "default"]
    critical = Route.objects.get(name="critical")
    assert critical.match == {"severity": ["critical"], "alertname": ["cpu-high"]}
    again = import_document(read_text(export_document()))
    assert again == {"created": 0, "updated": 0, "deleted": 0, "routes": 2}
    assert read_text(export_document("json"), "x.json")["default_route"]["repeat_interval"] == "12h"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("url: https://hooks.example.com/alerts", "url: ftp://x"),
         "contact point 'oncall', url: 'ftp://x' is not an http:// or https:// URL"),
        (("timeout: 5s", "timeout: soon"),
         "contact point 'oncall', timeout: 'soon' is not a duration"),
        (("to: [ops@example.com]", "to: [nobody]"),
         "contact point 'mail', to: 'nobody' is not an e-mail address"),
        (("kind: email", "kind: pager"), "contact point 'mail', kind: 'pager': one of"),
        (("contact_points: [chat]", "contact_points: [nowhere]"),
         "route 'db', contact_points: there is no contact point 'nowhere'"),
        (("group_wait: 10s", "group_wait: 10 s"), "route 'critical', group_wait:"),
        (("continue: true", "continue: yes please"), "route 'critical', continue:"),
        (("repeat_interval: 12h", "repeat_interval: 0s"),
         "default route, repeat_interval: must be longer than 0s"),
        (("bearer_token: abc", "bearer_tokn: abc"), "contact point 'oncall', bearer_tokn: unknown"),
    ],
)  # fmt: skip
def test_a_bad_item_is_refused_naming_it_and_the_field_and_nothing_is_taken(change, message):
    with pytest.raises(ConfigError) as refused:
        import_document(read_text(GOOD.replace(*change)))
    assert message in str(refused.value)
    assert not ContactPoint.objects.exists() and not Route.objects.exists()


def test_the_command_says_nothing_was_imported(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("kind: email", "kind: pager"))
    with pytest.raises(CommandError, match=r"kind: 'pager'.*nothing was imported"):
        call_command("notify", "import", str(bad))


def test_an_apprise_url_it_does_not_understand_is_refused_without_echoing_it():
    with pytest.raises(ConfigError) as refused:
        parse_contact_point({"name": "x", "kind": "apprise", "urls": ["nosuch://tok3n@host"]})
    assert "tok3n" not in str(refused.value) and refused.value.field == "urls"


def test_an_export_redacts_secrets_unless_asked_and_imported_back_keeps_them():
    import_document(read_text(GOOD))
    exported = read_text(export_document())
    shown = {point["name"]: point for point in exported["contact_points"]}
    assert shown["oncall"]["bearer_token"] == REDACTED and shown["chat"]["urls"] == [REDACTED]
    assert "abc" not in export_document() and "abc" in export_document(with_secrets=True)
    assert import_document(exported)["updated"] == 0
    assert ContactPoint.objects.get(name="oncall").settings["bearer_token"] == "abc"


def test_a_bearer_token_that_cannot_go_in_a_header_is_refused():
    with pytest.raises(ConfigError, match="latin-1"):
        import_document(read_text(GOOD.replace("bearer_token: abc", "bearer_token: ab\u2019c")))
