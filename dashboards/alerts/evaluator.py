"""The alert evaluator's tick: every rule over every host's latest sample, from Redis.

Runs in the evaluator process (a central Celery worker, tasks.py), apart from collection: beat
sends collection rounds itself, so a slow tick here can delay no sample. Each tick reads the
fleet's host records and each host's newest sample in two Redis round trips (never the database),
steps every alert instance (states.py), writes what changed to the database in one transaction,
events first, and only then mirrors and pushes it to the screens (mirror.py).

A host that is late gives no data (each rule's ``nodata`` decides); a host that is down fires
``host.up`` rules and holds its other alerts (suppressed) until it is back. Rules and silences
are reloaded when the admin changes them (a counter in Redis) and every CONFIG_RELOAD_S anyway.
"""

import functools
import json
import logging
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction

from collectors.fields import HOST_UP
from core.layer import LayerPublisher
from core.redis_clients import redis_now
from core.redis_keys import RedisKeys
from dashboards.alerts import states
from dashboards.alerts.catalogue import parse_rule
from dashboards.alerts.mirror import AlertMirror, record
from dashboards.alerts.models import Alert, AlertEvent, AlertRule, Silence, fingerprint
from dashboards.alerts.rules import Rule, RuleError
from dashboards.alerts.states import INACTIVE, AlertState, step

log = logging.getLogger(__name__)

CONFIG_RELOAD_S = 30.0
PURGE_EVERY_S = 30.0  # resolved records leave the mirror TOMBSTONE_S after resolving
CANCELLED = "cancelled"  # a pending alert that did not last, or whose rule or host went away
SILENCED, UNSILENCED = "silenced", "unsilenced"
# Host statuses (dashboards.fleet.models.HostStatus) as the fleet's records spell them.
_UP, _LATE, _DOWN = "up", "late", "down"


def _when(timestamp: float | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC)


def _ts(when: datetime | None) -> float | None:
    return None if when is None else when.timestamp()


@dataclass
class Instance:
    """What the evaluator remembers of one active alert between ticks."""

    alert_id: int
    rule: str
    host: str
    labels: dict[str, str]
    state: AlertState
    silenced_by: int | None = None


@dataclass
class Change:
    fingerprint: str
    rule: Rule | None
    host: str
    labels: dict[str, str]
    before: Instance | None
    after: AlertState
    event: str
    silenced_by: int | None
    top: list | None = None
    why: str = ""


class AlertEvaluator:
    def __init__(self, client, keys: RedisKeys, layer: LayerPublisher) -> None:
        self.client = client
        self.keys = keys
        self.mirror = AlertMirror(client, keys, layer)
        self.instances: dict[str, Instance] = {}
        self.rules: list[Rule] = []
        self.silences: list[Silence] = []
        self._config_seen: bytes | object | None = object()
        self._loaded_at = -math.inf
        self._restored = False
        self._purged_at = -math.inf

    # --- the tick ---------------------------------------------------------------------------

    def tick(self) -> list[Change]:
        now = redis_now(self.client)
        pipe = self.client.pipeline(transaction=False)
        pipe.hgetall(self.keys.fleet)
        pipe.get(self.keys.alert_config)
        pipe.hlen(self.keys.alerts)
        fleet_raw, config, mirrored = pipe.execute()
        if not self._restored:
            self._restore()
        elif mirrored < len(self.instances):
            log.warning("the alert mirror lost %d records (Redis started over?): rewritten",
                        len(self.instances) - mirrored)  # fmt: skip
            self._rewrite_mirror()
        if config != self._config_seen or now - self._loaded_at > CONFIG_RELOAD_S:
            self._load_config(now)
            self._config_seen = config
        hosts = {name.decode(): json.loads(text) for name, text in fleet_raw.items()}
        samples = self._latest_samples([n for n, h in hosts.items() if h["status"] == _UP])
        changes = self.evaluate(now, hosts, samples)
        if changes:
            self._commit(now, changes)
        if now - self._purged_at >= PURGE_EVERY_S:
            self.mirror.purge(now)
            self._purged_at = now
        return changes

    def _latest_samples(self, names: list[str]) -> dict[str, dict]:
        pipe = self.client.pipeline(transaction=False)
        for name in names:
            pipe.zrange(self.keys.recent(name), -1, -1)
        samples = {}
        for name, newest in zip(names, pipe.execute(), strict=True):
            if newest:
                samples[name] = json.loads(newest[0])
        return samples

    # --- what changed (no I/O: tests call it with plain data) --------------------------------

    def evaluate(
        self, now: float, hosts: dict[str, dict], samples: dict[str, dict]
    ) -> list[Change]:
        changes: list[Change] = []
        seen: set[str] = set()
        by_rule_host: dict[tuple[str, str], list[str]] = defaultdict(list)
        for fp, instance in self.instances.items():
            by_rule_host[instance.rule, instance.host].append(fp)
        for rule in self.rules:
            for name, host in hosts.items():
                status = host.get("status")
                if status not in (_UP, _LATE, _DOWN) or not rule.hosts.selects(
                    name, host.get("labels") or {}
                ):
                    continue
                sample = samples.get(name) if status == _UP else None
                held = by_rule_host.get((rule.name, name), ())
                known = [self.instances[fp].labels for fp in held]
                for labels, value in _values(rule, status, sample, known):
                    # The common case, cheaply: no alert yet, and nothing past a threshold.
                    if not held and value is not None and rule.severity_of(value) is None:
                        continue
                    fp = _fingerprint(rule.name, name, tuple(sorted(labels.items())))
                    seen.add(fp)
                    down = status == _DOWN and rule.metric.pattern != HOST_UP.name
                    change = self._step(now, fp, rule, name, labels, value, down, sample)
                    if change:
                        changes.append(change)
        for fp, instance in list(self.instances.items()):
            if fp not in seen:
                changes.append(self._gone(fp, instance))
        return changes

    def _step(self, now, fp, rule, host, labels, value, down, sample) -> Change | None:
        instance = self.instances.get(fp)
        before = instance.state if instance else AlertState()
        result = step(rule, before, value, now, host_down=down)
        after, event = result.state, result.event
        if after.state == INACTIVE:
            if instance is None:
                return None
            event = event or CANCELLED
            silenced_by = instance.silenced_by
        else:
            silenced_by = self._silence_for(now, rule.name, host, labels)
            if event is None and instance is not None and silenced_by != instance.silenced_by:
                event = SILENCED if silenced_by else UNSILENCED
        if event is None:
            if instance is not None:
                instance.state = after  # the value moved; nobody needs to hear of it
            return None
        top = sample.get("top") if sample and event == states.FIRED else None
        return Change(fp, rule, host, labels, instance, after, event, silenced_by, top)

    def _gone(self, fp: str, instance: Instance) -> Change:
        """Its rule was removed or disabled, or its host removed, disabled or forgotten."""
        fired = states.FIRING in (instance.state.state, instance.state.held)
        event = states.RESOLVED if fired else CANCELLED
        why = "its rule or host is no longer evaluated"
        return Change(
            fp, None, instance.host, instance.labels, instance, AlertState(), event,
            instance.silenced_by, why=why,
        )  # fmt: skip

    def _silence_for(self, now: float, rule: str, host: str, labels: dict) -> int | None:
        for silence in self.silences:
            if _ts(silence.starts_at) <= now < _ts(silence.ends_at) and silence.matches(
                rule, host, labels
            ):
                return silence.id
        return None

    # --- the database, then the screens --------------------------------------------------------

    def _commit(self, now: float, changes: list[Change]) -> None:
        when = _when(now)
        published: list[tuple[str, dict]] = []
        written: list[tuple[Change, Alert]] = []
        with transaction.atomic():
            existing = Alert.objects.select_for_update().in_bulk(
                [c.before.alert_id for c in changes if c.before is not None]
            )
            for change in changes:
                alert = existing.get(change.before.alert_id) if change.before else None
                alert = self._write(when, change, alert)
                written.append((change, alert))
                published.append((change.event, record(alert)))
        # Committed: only now does the evaluator remember it (a rolled-back tick is tried again
        # next time from what it knew), and only now do the screens hear of it.
        for change, alert in written:
            if alert.resolved_at is None:
                self.instances[change.fingerprint] = Instance(
                    alert.id, alert.rule, alert.host, alert.labels, change.after,
                    change.silenced_by,
                )  # fmt: skip
            else:
                self.instances.pop(change.fingerprint, None)
        self.mirror.publish(published)

    def _write(self, when: datetime, change: Change, alert: Alert | None) -> Alert:
        after, rule = change.after, change.rule
        if alert is None:
            alert = Alert(
                fingerprint=change.fingerprint, rule=rule.name, host=change.host,
                labels=change.labels, started_at=_when(after.pending_since) or when,
            )  # fmt: skip
        ended = after.state == INACTIVE
        alert.state = "resolved" if ended else after.state
        alert.held = after.held or ""
        if after.severity:
            alert.severity = after.severity
        alert.value = after.value if not ended or after.value is not None else alert.value
        if rule is not None:
            labels = change.labels
            alert.summary = rule.render(rule.summary, change.host, alert.value, labels)[:1000]
            alert.description = rule.render(rule.description, change.host, alert.value, labels)
        if change.event == states.FIRED:
            alert.fired_at = _when(after.started_at) or when
            alert.top = change.top or []
        alert.updated_at = when
        alert.resolved_at = when if ended else None
        alert.silenced_by_id = change.silenced_by
        detail: dict = {}
        if change.event == states.ESCALATED and alert.acked_at is not None:
            # A worse problem needs someone to take it again.
            detail["ack_cleared"] = alert.acked_by.get_username() if alert.acked_by else "?"
            alert.acked_by, alert.acked_at, alert.ack_comment = None, None, ""
        if change.top:
            detail["top"] = change.top
        if change.why:
            detail["why"] = change.why
        alert.save()
        event = AlertEvent.objects.create(
            alert=alert, event=change.event, at=when, state=alert.state,
            severity=alert.severity, value=alert.value, detail=detail,
        )  # fmt: skip
        alert.version = event.id
        alert.save(update_fields=["version"])
        return alert

    # --- start, and the configuration -------------------------------------------------------------

    def _restore(self) -> None:
        """After a restart: carry on with every active alert, and rewrite the mirror."""
        for alert in Alert.objects.filter(resolved_at__isnull=True, source="rules"):
            state = AlertState(
                state=alert.state, severity=alert.severity or None, value=alert.value,
                pending_since=_ts(alert.started_at), started_at=_ts(alert.fired_at),
                held=alert.held or None,
            )  # fmt: skip
            self.instances[alert.fingerprint] = Instance(
                alert.id, alert.rule, alert.host, alert.labels, state, alert.silenced_by_id
            )
        self._rewrite_mirror()
        self._restored = True

    def _rewrite_mirror(self) -> None:
        active = list(Alert.objects.filter(resolved_at__isnull=True).select_related("acked_by"))
        version = max((a.version for a in active), default=0)
        newest = AlertEvent.objects.order_by("-id").values_list("id", flat=True).first()
        self.mirror.replace_all([record(a) for a in active], max(version, newest or 0))

    def _load_config(self, now: float) -> None:
        rules = []
        for row in AlertRule.objects.filter(enabled=True):
            try:
                rules.append(parse_rule(row.definition()))
            except RuleError as exc:
                # Saved around the admin's check (a shell, a raw SQL edit): skipped, never fatal.
                log.error("alert rule skipped: %s", exc)
        # host.up first: a host that goes down is told before the alerts it holds.
        self.rules = sorted(rules, key=lambda rule: rule.metric.pattern != HOST_UP.name)
        self.silences = list(Silence.objects.filter(ends_at__gt=_when(now)))
        self._loaded_at = now


@functools.lru_cache(maxsize=65536)
def _fingerprint(rule: str, host: str, labels: tuple) -> str:
    return fingerprint(rule, host, dict(labels))


def _values(rule: Rule, status: str, sample: dict | None, known: list[dict]):
    """(labels, value) of each instance of ``rule`` on one host: None where there is no data."""
    if rule.metric.pattern == HOST_UP.name:
        yield {}, 0.0 if status == _DOWN else 1.0
        return
    metrics = sample.get("metrics", {}) if sample else {}
    if rule.metric.label is None:
        value = metrics.get(rule.metric.pattern)
        yield {}, value if isinstance(value, int | float) else None
        return
    found = {}
    for key, labels in rule.metric.keys(metrics):
        value = metrics[key]
        if isinstance(value, int | float):
            found[tuple(labels.items())] = (labels, value)
    for labels in known:  # an instance that fired and whose device is gone: no data
        found.setdefault(tuple(labels.items()), (labels, None))
    yield from found.values()
