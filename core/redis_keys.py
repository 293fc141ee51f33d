"""The name of everything the product keeps in Redis, under one prefix (``MONITOR_REDIS_PREFIX``).

Agents, the evaluator, beat and the web processes meet only in Redis; this is the one place that
names what they meet on, so a key is never spelled twice.
"""

from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class RedisKeys:
    """Names of every key, channel-layer prefix and broker prefix under ``prefix``."""

    prefix: str

    # --- the recent-sample store (agents write, screens read) ------------------------------

    def recent(self, host: str, view: str = "full") -> str:
        """Sorted set of encoded samples by seq; ``view`` is "full" or "summary"."""
        return f"{self.prefix}:recent:{view}:{host}"

    def seq(self, host: str) -> str:
        """Counter: the host's last sequence number."""
        return f"{self.prefix}:seq:{host}"

    @property
    def epoch(self) -> str:
        """Changes whenever the store starts empty (a new Redis), so clients drop stale seqs."""
        return f"{self.prefix}:epoch"

    @property
    def hosts(self) -> str:
        """Sorted set: host name -> Redis time when its newest sample arrived."""
        return f"{self.prefix}:hosts"

    # --- the fleet (agents register, the evaluator decides) ------------------------------------

    def instances(self, host: str) -> str:
        """Hash: agent instance id -> JSON registration record (refreshed by heartbeats)."""
        return f"{self.prefix}:instances:{host}"

    @property
    def agent_names(self) -> str:
        """Set of host names that have at least one registered agent instance."""
        return f"{self.prefix}:agents"

    def removed(self, host: str) -> str:
        """Set of agent instance ids whose host an admin removed (they are ignored)."""
        return f"{self.prefix}:removed:{host}"

    @property
    def fleet(self) -> str:
        """Hash: host name -> JSON host record (status, labels, info) kept by the evaluator."""
        return f"{self.prefix}:fleet"

    # --- collection rounds (the dispatcher) -----------------------------------------------

    @property
    def dispatch(self) -> str:
        """Set of host names whose agents are sent `collect` every interval."""
        return f"{self.prefix}:dispatch"

    @property
    def tick(self) -> str:
        """Counter: one number per collection round, so screens can send a round as one frame."""
        return f"{self.prefix}:tick"

    @property
    def collect_rounds_unsent(self) -> str:
        """Counter: collection rounds beat could not send (Redis was unreachable)."""
        return f"{self.prefix}:collect-rounds-unsent"

    @property
    def collects_missed(self) -> str:
        """Hash: host name -> collection rounds that never reached its agent in time."""
        return f"{self.prefix}:collects-missed"

    # --- alerts (the evaluator writes, screens read) -----------------------------------------

    @property
    def alerts(self) -> str:
        """Hash: alert id -> JSON alert record, for every active alert (the screens' snapshot)."""
        return f"{self.prefix}:alerts"

    @property
    def alerts_version(self) -> str:
        """The highest alert version in the mirror (the id of the newest alert event)."""
        return f"{self.prefix}:alerts-version"

    @property
    def alert_config(self) -> str:
        """Counter: bumped when rules or silences change, so the evaluator reloads them."""
        return f"{self.prefix}:alert-config"

    @property
    def forced(self) -> str:
        """Hash: "host metric" -> "value until" (core/forcing.py): a metric driven by hand."""
        return f"{self.prefix}:forced"

    # --- access (who may keep a socket open) ----------------------------------------------

    @property
    def access_channel(self) -> str:
        """Pub/sub channel: a session or a user whose sockets every web process must close."""
        return f"{self.prefix}:access"

    # --- the web processes -----------------------------------------------------------------

    @property
    def stream_stats(self) -> str:
        """Hash: web process id -> JSON snapshot of its stream counters."""
        return f"{self.prefix}:stream-stats"

    # --- prefixes handed to libraries ------------------------------------------------------

    @property
    def layer_prefix(self) -> str:
        """channels-redis's prefix for every group and channel of the channel layer."""
        return f"{self.prefix}.layer"

    @property
    def broker_prefix(self) -> str:
        """kombu's ``global_keyprefix`` for Celery's queues."""
        return f"{self.prefix}.celery."


@cache
def redis_keys(prefix: str) -> RedisKeys:
    """The keys under ``prefix`` (one instance per prefix and process)."""
    return RedisKeys(prefix)
