"""The evaluator's tick: registrations in, host status out, the set of hosts to dispatch to.

Runs in the evaluator (a central Celery worker) every interval. Agents only write Redis; this is
where their records become Host rows, where a silent host turns late, then down, and where the set
of hosts beat's dispatcher sends `collect` to is decided.
"""

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

import redis
from django.db import transaction

from core.layer import HOST_EVENT, HOSTS_GROUP, NEW_HOST, LayerPublisher, host_group
from core.outages import OutageLog
from core.redis_clients import REDIS_ERRORS, redis_now
from core.redis_keys import RedisKeys
from dashboards.fleet.models import Host, HostStatus, HostStatusChange
from dashboards.fleet.registrations import live_instances

log = logging.getLogger(__name__)

# A host's "last registered" time is written this often at most (its heartbeat is every 5 s).
SEEN_EVERY_S = 60


def _when(timestamp: float | None) -> datetime | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp, UTC)


def status_for(age: float | None, interval: float, late_after: float, down_after: float) -> str:
    """up, late or down from the age of the newest sample, in units of the host's interval."""
    if age is None:
        return HostStatus.UNKNOWN
    if age > down_after * interval:
        return HostStatus.DOWN
    if age > late_after * interval:
        return HostStatus.LATE
    return HostStatus.UP


@dataclass
class FleetEvaluator:
    """One tick: sync registrations, evaluate statuses, publish changes, choose who to dispatch."""

    client: redis.Redis
    keys: RedisKeys
    layer: LayerPublisher
    late_after: float
    down_after: float
    _published: dict[str, str] = field(default_factory=dict)
    _sending: OutageLog = field(default_factory=lambda: OutageLog(log, "sending host events"))

    def tick(self) -> None:
        now = redis_now(self.client)
        # One transaction per tick: on SQLite, 200 hosts' writes cost one commit, not 200.
        with transaction.atomic():
            hosts = {host.name: host for host in Host.objects.all()}
            live = self._sync_registrations(now, hosts)
            self._evaluate(now, live, list(hosts.values()))

    # --- registrations ---------------------------------------------------------------------

    def _sync_registrations(self, now: float, hosts: dict[str, Host]) -> dict[str, list[dict]]:
        names = sorted(name.decode() for name in self.client.smembers(self.keys.agent_names))
        pipe = self.client.pipeline(transaction=False)
        for name in names:
            pipe.smembers(self.keys.removed(name))
        removed_by_name = dict(zip(names, pipe.execute(), strict=True))
        live: dict[str, list[dict]] = {}
        for name, removed_raw in removed_by_name.items():
            removed = {instance.decode() for instance in removed_raw}
            instances = [
                record
                for record in live_instances(self.client, self.keys, name, now)
                if record["instance"] not in removed
            ]
            if not instances:
                self.client.srem(self.keys.agent_names, name)
                continue
            live[name] = instances
            hosts[name] = self._register(hosts.get(name), name, instances)
        return live

    def _register(self, host: Host | None, name: str, instances: list[dict]) -> Host:
        """The Host row of a registered name, written only when what the agents say changed."""
        newest = max(instances, key=lambda record: record.get("started", 0))
        created = host is None
        if created:
            host = Host(name=name)
        machines = sorted({record.get("machine", "?") for record in instances})
        duplicate = (
            f"{len(machines)} agents on different machines claim this name: {', '.join(machines)}"
            if len(machines) > 1
            else ""
        )
        if duplicate and duplicate != host.duplicate:
            log.warning("host %s: %s", name, duplicate)
            self._send_event(name, {"event": "duplicate", "host": name, "message": duplicate})
        facts = {
            "labels": newest.get("labels", {}),
            "os": newest.get("os", "")[:200],
            "cpu_count": newest.get("cpu_count"),
            "memory_total_bytes": newest.get("memory_total_bytes"),
            "boot_time": _when(newest.get("boot_time")),
            "agent_version": newest.get("agent_version", "")[:40],
            "mode": newest.get("mode", "")[:20],
            "interval": newest.get("interval", host.interval),
            "duplicate": duplicate,
        }
        changed = [field for field, value in facts.items() if getattr(host, field) != value]
        seen = _when(newest.get("seen"))
        stale_seen = host.last_registered_at is None or (
            seen is not None and (seen - host.last_registered_at).total_seconds() >= SEEN_EVERY_S
        )
        if created or changed or stale_seen:
            for field_name, value in facts.items():
                setattr(host, field_name, value)
            host.last_registered_at = seen
            host.save()
        if created:
            log.info("host %s registered (%s)", name, host.os)
        return host

    # --- status -----------------------------------------------------------------------------

    def _evaluate(self, now: float, live: dict[str, list[dict]], hosts: list[Host]) -> None:
        pipe = self.client.pipeline(transaction=False)
        for host in hosts:
            pipe.zscore(self.keys.hosts, host.name)
        arrivals = pipe.execute()

        dispatch: set[str] = set()
        for host, arrived in zip(hosts, arrivals, strict=True):
            if host.enabled:
                age = None if arrived is None else max(0.0, now - arrived)
                status = status_for(age, host.interval, self.late_after, self.down_after)
            else:
                status = HostStatus.DISABLED
            if status != host.status:
                self._change_status(host, status, now)
            beat_driven = any(r.get("driven_by", "beat") == "beat" for r in live.get(host.name, []))
            # A killed agent stops being sent work once its heartbeat expires, so its queue does
            # not fill with ticks nobody will take.
            if host.enabled and beat_driven:
                dispatch.add(host.name)
            self._publish_record(host)

        self._replace_set(self.keys.dispatch, dispatch)
        gone = set(self._published) - {host.name for host in hosts}
        for name in gone:
            self.forget(name)

    def _change_status(self, host: Host, status: str, now: float) -> None:
        previous = host.status
        host.status, host.status_since = status, _when(now)
        host.save(update_fields=["status", "status_since"])
        HostStatusChange.objects.create(host=host, previous=previous, status=status, at=_when(now))
        log.info("host %s: %s -> %s", host.name, previous, status)
        self._send_event(
            host.name,
            {
                "event": "status",
                "host": host.name,
                "status": status,
                "previous": previous,
                "since": now,
            },
        )

    def _publish_record(self, host: Host) -> None:
        record = json.dumps(host.record(), separators=(",", ":"))
        if self._published.get(host.name) == record:
            return
        first = host.name not in self._published
        self.client.hset(self.keys.fleet, host.name, record)
        self._published[host.name] = record
        if first and not self.client.zscore(self.keys.hosts, host.name):
            # Registered but not sampled yet: announce it so screens show its tile already.
            self._send(HOSTS_GROUP, {"type": NEW_HOST, "host": host.name})

    def forget(self, name: str) -> None:
        """A host removed in the admin: drop it from screens and from the dispatch set."""
        pipe = self.client.pipeline(transaction=False)
        pipe.hdel(self.keys.fleet, name)
        pipe.srem(self.keys.dispatch, name)
        pipe.zrem(self.keys.hosts, name)
        pipe.execute()
        self._published.pop(name, None)
        self._send_event(name, {"event": "removed", "host": name})

    def _replace_set(self, key: str, members: set[str]) -> None:
        current = {member.decode() for member in self.client.smembers(key)}
        if current == members:
            return
        pipe = self.client.pipeline()
        pipe.delete(key)
        if members:
            pipe.sadd(key, *members)
        pipe.execute()

    def _send_event(self, name: str, event: dict) -> None:
        self._send(host_group(name), {"type": HOST_EVENT, "event": event})

    def _send(self, group: str, message: dict) -> None:
        """Push ``message`` once what it reports is committed (at once outside a transaction)."""
        transaction.on_commit(lambda: self._send_now(group, message))

    def _send_now(self, group: str, message: dict) -> None:
        try:
            self.layer.group_send(self.client, group, message)
        except REDIS_ERRORS as exc:
            self._sending.failed(exc)
        else:
            self._sending.succeeded()
