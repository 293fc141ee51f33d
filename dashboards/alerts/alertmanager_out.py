"""Acknowledging an alert taken in from Alertmanager silences it in that Alertmanager
(MONITOR_ALERTMANAGER_URL, API v2), so its other receivers stop paging people too; taking the
acknowledgement back, or the alert resolving, expires the silence.

Run by the notifier (alerts/tasks.py), never inside the acknowledgement: an Alertmanager that is
down delays the silence, not the ack. The silence's id is kept in ``alert.external``, its outcome
in the detail of the `acked`/`unacked` event.

A silence in Alertmanager mutes every receiver, ours too: while it holds, Alertmanager tells us
nothing of the alert, its resolution neither. So the notifier asks Alertmanager every WATCH_S
whether the alert is still there, and resolves ours when it has gone.
"""

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dashboards.alerts.alertmanager_in import SOURCE, parse_time, receive
from dashboards.alerts.mirror import publish_committed, record
from dashboards.alerts.models import Alert, AlertEvent

SILENCE_FOR = timedelta(hours=4)  # an acknowledgement older than this pages people again
WATCH_S = 10.0
TIMEOUT_S = 5.0
DEFAULT_COMMENT = "acknowledged in Live Monitor"
# Alertmanager keeps alerts in memory only: after a restart it knows an alert again once
# Prometheus resends it (every minute by default). Until then, a missing alert proves nothing.
FORGETFUL_S = 120.0
log = logging.getLogger(__name__)


class AlertmanagerError(Exception):
    """Alertmanager could not be reached or did not take the request: worth trying again later."""


def silence_body(labels: dict[str, str], created_by: str, comment: str, now: datetime) -> dict:
    """The API v2 silence of exactly this alert: an equality matcher per label."""
    return {
        "matchers": [
            {"name": name, "value": value, "isRegex": False, "isEqual": True}
            for name, value in sorted(labels.items())
        ],
        "startsAt": now.isoformat(),
        "endsAt": (now + SILENCE_FOR).isoformat(),
        "createdBy": created_by,
        "comment": comment or DEFAULT_COMMENT,
    }


def _call(method: str, path: str, body: dict | None = None):
    """The decoded JSON answer of a 2xx (None when empty); AlertmanagerError otherwise."""
    request = urllib.request.Request(
        settings.MONITOR_ALERTMANAGER_URL + "/api/v2" + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "User-Agent": "live-monitor"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            text = response.read()
    except urllib.error.HTTPError as exc:
        answer = exc.read(200).decode(errors="replace").strip()
        raise AlertmanagerError(f"{method} {path}: HTTP {exc.code}: {answer}") from None
    except (OSError, ValueError) as exc:  # refused, timed out, a bad URL
        raise AlertmanagerError(f"{method} {path}: {type(exc).__name__}: {exc}") from None
    try:
        return json.loads(text) if text.strip() else None
    except ValueError:
        raise AlertmanagerError(f"{method} {path}: an answer that is not JSON") from None


def create_silence(body: dict) -> str:
    """The new silence's id."""
    answer = _call("POST", "/silences", body)
    if not isinstance(answer, dict) or not answer.get("silenceID"):
        raise AlertmanagerError(f"POST /silences: no silenceID in {answer!r:.200}")
    return answer["silenceID"]


def _unknown(exc: AlertmanagerError) -> bool:
    # Alertmanager 0.25 answers an unknown silence 404, or 500 "silence not found" to DELETE.
    return "HTTP 404" in str(exc) or "silence not found" in str(exc)


def expire_silence(silence_id: str) -> None:
    """Ends it now; one Alertmanager no longer knows (its silences were lost) is done too."""
    try:
        _call("DELETE", f"/silence/{urllib.parse.quote(silence_id)}")
    except AlertmanagerError as exc:
        if not _unknown(exc):
            raise


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def still_there(labels: dict[str, str], silence_id: str, now: datetime) -> bool:
    """Whether Alertmanager still has the alert (silenced or not), or cannot know yet."""
    query = urllib.parse.urlencode({
        "filter": f"alertname={_quoted(labels.get('alertname', ''))}",
        "silenced": "true", "inhibited": "true", "unprocessed": "true",
    })  # fmt: skip
    if any(found.get("labels") == labels for found in _call("GET", f"/alerts?{query}") or []):
        return True
    try:
        silence = _call("GET", f"/silence/{silence_id}")
    except AlertmanagerError as exc:
        if _unknown(exc):
            return True  # no longer muted: Alertmanager itself tells us of the resolution
        raise
    started = parse_time(_call("GET", "/status")["uptime"]) or now
    restarted = started > (parse_time(silence["startsAt"]) or now)
    return restarted and now - started < timedelta(seconds=FORGETFUL_S)


def _note(alert_id: int, event: str, **detail) -> None:
    """Adds the outcome to the detail of the alert's latest ``event`` (acked, unacked)."""
    entry = AlertEvent.objects.filter(alert_id=alert_id, event=event).order_by("-id").first()
    if entry is not None:
        entry.detail = {**entry.detail, **detail}
        entry.save(update_fields=["detail"])


def _keep(alert_id: int, silence_id: str | None, replacing: str | None) -> bool:
    """Writes the silence id if the alert still holds ``replacing``; False if it changed."""
    with transaction.atomic():
        alert = Alert.objects.select_for_update().filter(id=alert_id).first()
        if alert is None or (alert.external or {}).get("silence_id") != replacing:
            return False
        if silence_id is not None and (alert.acked_at is None or alert.resolved_at is not None):
            return False  # taken back or resolved while the silence was being made
        alert.external = {**alert.external, "silence_id": silence_id}
        alert.save(update_fields=["external"])
    return True


def _silence(alert: Alert, now: datetime) -> str | None:
    by = alert.acked_by.get_username() if alert.acked_by else "?"
    body = silence_body(alert.external["labels"], by, alert.ack_comment, now)
    silence_id = create_silence(body)
    if not _keep(alert.id, silence_id, None):
        expire_silence(silence_id)
        return None
    _note(alert.id, "acked", alertmanager_silence=silence_id, silenced_until=body["endsAt"])
    log.info("alert %s: silenced in Alertmanager as %s", alert.id, silence_id)
    return silence_id


def _expire(alert: Alert, silence_id: str, why: str) -> None:
    expire_silence(silence_id)
    _keep(alert.id, None, silence_id)
    _note(alert.id, why, alertmanager_silence_expired=silence_id)
    log.info("alert %s: its Alertmanager silence %s expired", alert.id, silence_id)


def _resolve(alert: Alert) -> None:
    """Resolved here as if Alertmanager had said so (the silence kept it from telling us)."""
    external = alert.external
    item = {
        "status": "resolved", "labels": external["labels"], "endsAt": "",
        "annotations": external.get("annotations"), "generatorURL": external.get("generator_url"),
        "fingerprint": external.get("fingerprint"),
    }  # fmt: skip
    changes = receive({"alerts": [item]})
    publish_committed([(event, record(changed)) for event, changed in changes])


def sync_silence(alert_id: int, watching: str | None = None, now=None) -> str | None:
    """Brings Alertmanager's silence in line with the alert: one while it is acknowledged and
    active, none otherwise. Returns the silence to watch WATCH_S from now, or None; raises
    AlertmanagerError when Alertmanager is away (nothing is lost: call it again later)."""
    now = now or timezone.now()
    alert = Alert.objects.select_related("acked_by").filter(id=alert_id, source=SOURCE).first()
    if alert is None or not settings.MONITOR_ALERTMANAGER_URL:
        return None
    held = (alert.external or {}).get("silence_id")
    wanted = alert.acked_at is not None and alert.resolved_at is None
    if watching is None:  # after an ack or an unack
        if wanted and held is None:
            return _silence(alert, now)
        if not wanted and held is not None:
            _expire(alert, held, "resolved" if alert.resolved_at else "unacked")
        return None
    why = "resolved" if alert.resolved_at else "unacked"
    if wanted and held == watching:
        if still_there(alert.external["labels"], watching, now):
            return watching
        _resolve(alert)
        why = "resolved"
    if held in (None, watching):  # otherwise a new silence replaced this one, and is watched
        _expire(alert, watching, why)
    return None
