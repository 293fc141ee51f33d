"""Alerts a team's Alertmanager already raises, taken in from its webhook (payload version 4).

Each Alertmanager alert is one of our alerts (source "alertmanager"): same record, same pop-ups,
acknowledged the same way; it resolves when Alertmanager says so. Our own silences apply to it.
Alertmanager sends the whole group again on every change and every repeat_interval: an alert
already known in the same state and severity is no change, so screens see each change once.
"""

import re
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from dashboards.alerts.models import Alert, AlertEvent, Silence, fingerprint
from dashboards.alerts.states import DEESCALATED, ESCALATED, FIRED, FIRING, RESOLVED

SOURCE = "alertmanager"
CRITICAL_WORDS = {"critical", "page", "error", "high", "emergency", "alert", "fatal", "p1"}
HOST_LABELS = ("host", "hostname", "nodename", "instance")
# Labels that say what the alert is rather than which one; the rest become our labels.
OWN_LABELS = {"alertname", "severity", *HOST_LABELS}
_GO_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def parse_time(text: str) -> datetime | None:
    """RFC 3339 as Go writes it (nanoseconds, Z); None for Go's zero time or nonsense."""
    match = _GO_TIME.match(text or "")
    if match is None or text.startswith("0001-"):
        return None
    whole, fraction, zone = match.groups()
    micro = (fraction or ".0")[1:7].ljust(6, "0")
    zone = "+00:00" if zone == "Z" else zone
    try:
        return datetime.fromisoformat(f"{whole}.{micro}{zone}").astimezone(UTC)
    except ValueError:
        return None


def _host(labels: dict[str, str]) -> str:
    for key in HOST_LABELS:
        if value := labels.get(key):
            if key == "instance":  # "db1:9100" is host db1's exporter
                value = re.sub(r":\d+$", "", value)
            return value[:63]
    return ""


def severity_of(labels: dict[str, str]) -> str:
    return "critical" if labels.get("severity", "").lower() in CRITICAL_WORDS else "warning"


def _summary(labels: dict[str, str], annotations: dict[str, str]) -> str:
    for key in ("summary", "description", "message"):
        if annotations.get(key):
            return annotations[key][:1000]
    return labels.get("alertname", "alert")[:1000]


def _silence_for(rule: str, host: str, labels: dict, now) -> int | None:
    for silence in Silence.objects.filter(starts_at__lte=now, ends_at__gt=now):
        if silence.matches(rule, host, labels):
            return silence.id
    return None


def _take(item: dict, now) -> tuple[str, Alert] | None:
    labels = dict(item["labels"])
    rule = labels.get("alertname", "alertmanager")[:63]
    host = _host(labels)
    ours = {k: v for k, v in labels.items() if k not in OWN_LABELS}
    print_ = fingerprint(SOURCE, "", labels)
    alert = Alert.objects.select_for_update().filter(fingerprint=print_, resolved_at__isnull=True)
    alert = alert.first()
    annotations = item.get("annotations") or {}
    external = {
        "generator_url": item.get("generatorURL") or None,
        "fingerprint": item.get("fingerprint") or None,
        "labels": labels,
        "annotations": annotations,
    }
    if item["status"] == "resolved":
        if alert is None:
            return None  # a resolution of something we never saw (or resolved already)
        alert.state, alert.resolved_at = "resolved", parse_time(item.get("endsAt", "")) or now
        event = RESOLVED
    else:
        severity = severity_of(labels)
        if alert is None:
            started = parse_time(item.get("startsAt", "")) or now
            alert = Alert(
                fingerprint=print_, rule=rule, host=host, labels=ours, source=SOURCE,
                state=FIRING, severity=severity, started_at=started, fired_at=started,
                silenced_by_id=_silence_for(rule, host, ours, now),
            )  # fmt: skip
            event = FIRED
        elif alert.severity == severity:
            return None  # Alertmanager repeating itself
        else:
            event = ESCALATED if severity == "critical" else DEESCALATED
            if event == ESCALATED:  # as with our own rules: a worse problem is taken again
                alert.acked_by, alert.acked_at, alert.ack_comment = None, None, ""
            alert.severity = severity
    alert.summary = _summary(labels, annotations)
    alert.description = annotations.get("description", "")
    alert.external = {**(alert.external or {}), **external}  # keeps our silence_id there
    alert.updated_at = now
    alert.save()
    entry = AlertEvent.objects.create(
        alert=alert, event=event, at=now, state=alert.state, severity=alert.severity,
        detail={"source": SOURCE},
    )  # fmt: skip
    alert.version = entry.id
    alert.save(update_fields=["version"])
    return event, alert


def receive(payload: dict) -> list[tuple[str, Alert]]:
    """Take every alert of one webhook call; the changes, committed (publish them after)."""
    now = timezone.now()
    changes = []
    for item in payload["alerts"]:
        for attempt in (1, 2):
            try:
                with transaction.atomic():
                    change = _take(item, now)
                break
            except IntegrityError:
                # Two calls raced to create the same alert: the second sees the first's row.
                if attempt == 2:
                    raise
        if change is not None:
            changes.append(change)
    return changes
