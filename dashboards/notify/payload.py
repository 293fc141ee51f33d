"""The Alertmanager webhook payload (version 4) of a group, built from alert records
(dashboards.alerts.mirror.record), and its text form for chat and e-mail. No I/O."""

from datetime import UTC, datetime

from dashboards.notify.routing import alert_labels

ZERO_TIME = "0001-01-01T00:00:00Z"  # Alertmanager's endsAt of an alert still firing
FIRING, RESOLVED = "firing", "resolved"


def rfc3339(timestamp: float | None) -> str:
    if timestamp is None:
        return ZERO_TIME
    text = datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def payload_alert(record: dict, external_url: str) -> dict:
    resolved = record["resolved_at"] is not None
    annotations = {"summary": record["summary"]}
    if record.get("description"):
        annotations["description"] = record["description"]
    return {
        "status": RESOLVED if resolved else FIRING,
        "labels": alert_labels(
            record["rule"], record["host"], record["severity"], record["labels"]
        ),
        "annotations": annotations,
        "startsAt": rfc3339(record["fired_at"] or record["started_at"]),
        "endsAt": rfc3339(record["resolved_at"]) if resolved else ZERO_TIME,
        "generatorURL": f"{external_url}/alerts/{record['id']}/",
        "fingerprint": record["fingerprint"],
    }


def _common(maps: list[dict]) -> dict:
    if not maps:
        return {}
    first, *rest = maps
    return {k: v for k, v in first.items() if all(m.get(k) == v for m in rest)}


def webhook_payload(
    records: list[dict], *, receiver: str, group_key: str, group_labels: dict,
    external_url: str,
) -> dict:  # fmt: skip
    """Firing alerts first, then resolved ones; the group is firing while any alert is."""
    alerts = [payload_alert(r, external_url) for r in records]
    alerts.sort(key=lambda a: a["status"] != FIRING)
    firing = any(a["status"] == FIRING for a in alerts)
    return {
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": 0,
        "status": FIRING if firing else RESOLVED,
        "receiver": receiver,
        "groupLabels": group_labels,
        "commonLabels": _common([a["labels"] for a in alerts]),
        "commonAnnotations": _common([a["annotations"] for a in alerts]),
        "externalURL": external_url,
        "alerts": alerts,
    }


def title_of(payload: dict) -> str:
    """Alertmanager's default title: ``[FIRING:2] cpu-high db1``."""
    firing = sum(a["status"] == FIRING for a in payload["alerts"])
    status = f"FIRING:{firing}" if payload["status"] == FIRING else "RESOLVED"
    labels = " ".join(v for v in payload["groupLabels"].values() if v)
    return f"[{status}] {labels}".strip()


def body_of(payload: dict) -> str:
    lines = []
    for heading, status in (("Firing", FIRING), ("Resolved", RESOLVED)):
        alerts = [a for a in payload["alerts"] if a["status"] == status]
        if not alerts:
            continue
        lines.append(f"{heading}:")
        for alert in alerts:
            labels = alert["labels"]
            since = alert["startsAt"] if status == FIRING else alert["endsAt"]
            lines.append(
                f"- {labels.get('severity', '?').upper()} {labels['alertname']} on "
                f"{labels.get('host', '?')}: {alert['annotations']['summary']} "
                f"({'since' if status == FIRING else 'at'} {since})"
            )
            if alert["annotations"].get("description"):
                lines.append(f"  {alert['annotations']['description']}")
            lines.append(f"  {alert['generatorURL']}")
    return "\n".join(lines)
