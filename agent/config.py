"""An agent's settings, from the environment, without Django: the agent loads no ORM, admin or
Channels consumer. The same variables and readers as monitor/settings.py (docs/configuration.md)."""

import socket
from collections.abc import Mapping
from dataclasses import dataclass

from core import services
from core.env import env_float
from core.hosts import env_host_name, env_labels


@dataclass(frozen=True)
class AgentConfig:
    host: str
    interval: float
    recent_s: float
    labels: dict[str, str]
    redis_url: str
    prefix: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "AgentConfig":
        """Read and check every variable an agent uses; raises SettingError naming a bad one."""
        return cls(
            host=env_host_name("MONITOR_HOST", socket.gethostname, env),
            interval=env_float("MONITOR_INTERVAL", 1.0, minimum=0.2, maximum=3600, env=env),
            recent_s=env_float("MONITOR_RECENT_SECONDS", 600, minimum=60, maximum=86400, env=env),
            labels=env_labels("MONITOR_LABELS", env),
            redis_url=services.redis_location(services.data_dir(env), env).url,
            prefix=services.redis_prefix(env),
        )
