"""The screens' copy of the active alerts, in Redis, and the `alert` frames that change it.

Written after each change is committed to the database, by whoever made it (the evaluator, or a
web process taking an acknowledgement). Each record carries its version (the id of its newest
event); the mirror keeps the higher of two writes, so two writers racing never go back in time.
A resolved alert stays in the mirror as a tombstone for TOMBSTONE_S, then the evaluator purges
it: a late, older write cannot bring it back meanwhile.
"""

import contextlib
import json
from collections.abc import Iterable

from django.conf import settings

from core.layer import LayerPublisher
from core.redis_clients import REDIS_ERRORS, redis_client
from core.redis_keys import RedisKeys, redis_keys
from dashboards.alerts.models import Alert

ALERTS_GROUP = "alerts"
# Channel-layer message type of a ready-made alert frame (LiveConsumer.alert_frame).
ALERT_FRAME = "alert.frame"
TOMBSTONE_S = 120


def _ts(when) -> float | None:
    return None if when is None else round(when.timestamp(), 3)


def record(alert: Alert) -> dict:
    """The alert record of docs/protocol.md: what the socket, the API and the snapshot carry."""
    ack = None
    if alert.acked_at is not None:
        by = alert.acked_by.get_username() if alert.acked_by else "?"
        ack = {"by": by, "at": _ts(alert.acked_at), "comment": alert.ack_comment}
    return {
        "id": alert.id,
        "fingerprint": alert.fingerprint,
        "rule": alert.rule,
        "host": alert.host,
        "labels": alert.labels,
        "state": alert.state,
        "held": alert.held or None,
        "severity": alert.severity or None,
        "value": alert.value,
        "summary": alert.summary,
        "description": alert.description,
        "started_at": _ts(alert.started_at),
        "fired_at": _ts(alert.fired_at),
        "updated_at": _ts(alert.updated_at),
        "resolved_at": _ts(alert.resolved_at),
        "ack": ack,
        "silenced": alert.silenced_by_id is not None,
        "source": alert.source,
        "generator_url": (alert.external or {}).get("generator_url"),
        "version": alert.version,
    }


def encode(value) -> str:
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


def alert_frame(event: str, alert_record: dict) -> str:
    return encode({"type": "alert", "event": event, "alert": alert_record})


# KEYS: the mirror, its version; ARGV: id, version, record text. A record is kept only when
# newer than what is there; the mirror's version is the highest record version written.
_WRITE_SCRIPT = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current and cjson.decode(current)['version'] >= tonumber(ARGV[2]) then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
if tonumber(redis.call('GET', KEYS[2]) or '0') < tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], ARGV[2])
end
return 1
"""


class AlertMirror:
    """Writes records to the mirror and their frames to every screen, in one round trip."""

    def __init__(self, client, keys: RedisKeys, layer: LayerPublisher) -> None:
        self.client = client
        self.keys = keys
        self.layer = layer
        self._write = client.register_script(_WRITE_SCRIPT)

    def publish(self, changes: Iterable[tuple[str, dict]]) -> None:
        """Each (event, record): mirror it, then tell every screen (frames in order)."""
        pipe = self.client.pipeline(transaction=False)
        for event, alert_record in changes:
            text = encode(alert_record)
            self._write(
                keys=[self.keys.alerts, self.keys.alerts_version],
                args=[alert_record["id"], alert_record["version"], text],
                client=pipe,
            )
            message = {"type": ALERT_FRAME, "text": alert_frame(event, alert_record)}
            self.layer.group_send(pipe, ALERTS_GROUP, message)
        pipe.execute()

    def replace_all(self, records: list[dict], version: int) -> None:
        """The whole mirror from the database (after Redis started over, or at start)."""
        pipe = self.client.pipeline()
        pipe.delete(self.keys.alerts)
        if records:
            pipe.hset(self.keys.alerts, mapping={r["id"]: encode(r) for r in records})
        pipe.set(self.keys.alerts_version, version)
        pipe.execute()

    def purge(self, now: float) -> None:
        """Drop tombstones older than TOMBSTONE_S."""
        stale = []
        for key, text in self.client.hgetall(self.keys.alerts).items():
            resolved = json.loads(text).get("resolved_at")
            if resolved is not None and now - resolved > TOMBSTONE_S:
                stale.append(key)
        if stale:
            self.client.hdel(self.keys.alerts, *stale)


def publish_committed(changes: Iterable[tuple[str, dict]]) -> None:
    """From a web process: mirror and push changes already committed. With Redis gone they are
    not lost: screens get them in the snapshot of their next connect, which the evaluator
    rewrites from the database once Redis is back."""
    keys = redis_keys(settings.MONITOR_REDIS_PREFIX)
    mirror = AlertMirror(redis_client(settings.REDIS_URL), keys, LayerPublisher(keys.layer_prefix))
    with contextlib.suppress(*REDIS_ERRORS):
        mirror.publish(changes)


def snapshot_frame(texts: Iterable[bytes | str], version: int) -> str:
    """The `alerts` frame from the mirror's texts, joined without decoding them."""
    body = ",".join(t.decode() if isinstance(t, bytes) else t for t in texts)
    return f'{{"type":"alerts","version":{version},"alerts":[{body}]}}'
