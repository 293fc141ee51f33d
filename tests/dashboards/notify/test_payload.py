"""The webhook payload is Alertmanager's version 4, field for field (held to a JSON schema of
it written from Alertmanager's docs), and its text form says what fires and what resolved."""

import jsonschema

from dashboards.notify.payload import ZERO_TIME, body_of, title_of, webhook_payload

RFC3339 = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$"
STRINGS = {"type": "object", "additionalProperties": {"type": "string"}}
ALERTMANAGER_V4 = {
    "type": "object",
    "required": ["version", "groupKey", "truncatedAlerts", "status", "receiver", "groupLabels",
                 "commonLabels", "commonAnnotations", "externalURL", "alerts"],
    "additionalProperties": False,
    "properties": {
        "version": {"const": "4"},
        "groupKey": {"type": "string", "minLength": 1},
        "truncatedAlerts": {"type": "integer", "minimum": 0},
        "status": {"enum": ["firing", "resolved"]},
        "receiver": {"type": "string", "minLength": 1},
        "groupLabels": STRINGS,
        "commonLabels": STRINGS,
        "commonAnnotations": STRINGS,
        "externalURL": {"type": "string", "format": "uri"},
        "alerts": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["status", "labels", "annotations", "startsAt", "endsAt",
                             "generatorURL", "fingerprint"],
                "additionalProperties": False,
                "properties": {
                    "status": {"enum": ["firing", "resolved"]},
                    "labels": {**STRINGS, "required": ["alertname"]},
                    "annotations": STRINGS,
                    "startsAt": {"type": "string", "pattern": RFC3339},
                    "endsAt": {"type": "string", "pattern": RFC3339},
                    "generatorURL": {"type": "string", "format": "uri"},
                    "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
                },
            },
        },
    },
}  # fmt: skip


def record(id=7, rule="disk-full", host="db1", severity="critical", resolved_at=None, **extra):
    return {
        "id": id, "fingerprint": "0123456789abcdef", "rule": rule, "host": host,
        "labels": {"mount": "/var"}, "severity": severity, "summary": f"{rule} on {host}",
        "description": "", "started_at": 1767614400.0, "fired_at": 1767614460.5,
        "resolved_at": resolved_at, **extra,
    }  # fmt: skip


def payload(records):
    return webhook_payload(
        records, receiver="oncall", group_key='default:{alertname="disk-full",host="db1"}',
        group_labels={"alertname": "disk-full", "host": "db1"},
        external_url="https://noc.example.com",
    )  # fmt: skip


def test_a_firing_group_is_a_valid_alertmanager_v4_payload():
    sent = payload([record(), record(id=8, host="db1", severity="warning")])
    jsonschema.validate(sent, ALERTMANAGER_V4, format_checker=jsonschema.FormatChecker())
    first = sent["alerts"][0]
    assert first["labels"] == {"alertname": "disk-full", "host": "db1", "severity": "critical",
                               "mount": "/var"}  # fmt: skip
    assert first["startsAt"] == "2026-01-05T12:01:00.500Z" and first["endsAt"] == ZERO_TIME
    assert first["generatorURL"] == "https://noc.example.com/alerts/7/"
    assert sent["status"] == "firing" and sent["truncatedAlerts"] == 0
    # Common labels are those every alert shares: severity differs here.
    assert sent["commonLabels"] == {"alertname": "disk-full", "host": "db1", "mount": "/var"}


def test_a_resolved_alert_ends_when_it_resolved_and_the_group_is_resolved_when_all_are():
    sent = payload([record(resolved_at=1767615000.0)])
    jsonschema.validate(sent, ALERTMANAGER_V4)
    assert sent["status"] == "resolved"
    assert sent["alerts"][0]["endsAt"] == "2026-01-05T12:10:00.000Z"


def test_firing_alerts_come_first_and_the_text_tells_both():
    sent = payload([record(id=1, resolved_at=1767615000.0), record(id=2, host="db2")])
    assert [a["status"] for a in sent["alerts"]] == ["firing", "resolved"]
    assert sent["status"] == "firing"
    assert title_of(sent) == "[FIRING:1] disk-full db1"
    body = body_of(sent)
    assert body.index("Firing:") < body.index("Resolved:")
    assert "CRITICAL disk-full on db2" in body and "https://noc.example.com/alerts/1/" in body


def test_an_alerts_own_labels_cannot_pass_for_its_rule_host_or_severity():
    sent = payload([record(labels={"host": "elsewhere", "alertname": "x", "mount": "/"})])
    assert sent["alerts"][0]["labels"]["host"] == "db1"
    assert sent["alerts"][0]["labels"]["alertname"] == "disk-full"
