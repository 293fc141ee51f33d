"""An agent's registration: who it is, written to Redis at start and refreshed by a heartbeat.

The agent never touches the database: the central evaluator reads these records and keeps the
Host rows (dashboards/fleet/registrations.py). Each agent process is one *instance* with a random
id; the machine fingerprint tells a restart on the same machine from a second machine claiming
the name.
"""

import json
import logging
import os
import platform
import socket
import threading
import time
import uuid
from importlib import metadata
from pathlib import Path

import psutil
import redis

from core.outages import OutageLog
from core.redis_clients import REDIS_ERRORS, redis_now
from core.redis_keys import RedisKeys

log = logging.getLogger(__name__)

HEARTBEAT_S = 5.0
RETRY_AFTER_FAILURE_S = 1.0


def agent_version() -> str:
    try:
        return metadata.version("live-monitor")
    except metadata.PackageNotFoundError:
        return "unknown"


def machine_fingerprint() -> str:
    """Stable for one machine across agent restarts; different on another machine."""
    for path in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            machine_id = Path(path).read_text().strip()
        except OSError:
            continue
        if machine_id:
            return f"{socket.gethostname()}/{machine_id}"
    return f"{socket.gethostname()}/{uuid.getnode():012x}"


def agent_record(
    host: str, labels: dict[str, str], interval: float, mode: str, driven_by: str = "beat"
) -> dict:
    """What an agent tells the fleet about itself. ``driven_by`` is "beat" or "self" (simulator)."""
    return {
        "name": host,
        "instance": uuid.uuid4().hex,
        "machine": machine_fingerprint(),
        "pid": os.getpid(),
        "os": f"{platform.system()} {platform.release()}",
        "cpu_count": psutil.cpu_count(),
        "memory_total_bytes": psutil.virtual_memory().total,
        "boot_time": psutil.boot_time(),
        "agent_version": agent_version(),
        "labels": labels,
        "interval": interval,
        "mode": mode,
        "driven_by": driven_by,
        "started": time.time(),
    }


class Registration:
    """Keeps one instance's record fresh in Redis until stopped."""

    def __init__(self, client: redis.Redis, keys: RedisKeys, record: dict) -> None:
        self._client = client
        self._keys = keys
        self.record = record
        self._stop = threading.Event()
        self._outage = OutageLog(log, f"registering agent {record['name']}")

    def beat(self) -> None:
        """Write the record with the time it was last heard from (Redis's clock)."""
        record = {**self.record, "seen": redis_now(self._client)}
        pipe = self._client.pipeline(transaction=False)
        pipe.hset(
            self._keys.instances(self.record["name"]), self.record["instance"], json.dumps(record)
        )
        pipe.sadd(self._keys.agent_names, self.record["name"])
        pipe.execute()

    def start(self) -> None:
        """Register now and keep the record fresh from a daemon thread."""
        self._beat_logged()
        threading.Thread(target=self._run, name="agent-heartbeat", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        # After a failed beat, the next one comes sooner: a Redis that restarted empty knows
        # nothing of this agent, and nothing is sent to it until it registers again.
        wait = HEARTBEAT_S
        while not self._stop.wait(wait):
            wait = HEARTBEAT_S if self._beat_logged() else RETRY_AFTER_FAILURE_S

    def _beat_logged(self) -> bool:
        try:
            self.beat()
        except REDIS_ERRORS as exc:
            self._outage.failed(exc)
            return False
        self._outage.succeeded()
        return True
