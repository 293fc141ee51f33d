"""Channel-layer groups and message types: what agents, the evaluator and the web processes say
to each other through the layer. Channels dispatches a message of type ``a.b`` to the consumer's
method ``a_b``; every type is named here once, for producers and consumers alike."""

import asyncio
import os
import socket
import threading
from collections.abc import Coroutine
from typing import Any

# A sample of one host (agent -> screens following it; LiveConsumer.metrics_sample).
SAMPLE = "metrics.sample"
# A host's first sample or registration (to the hosts group; LiveConsumer.hosts_new).
NEW_HOST = "hosts.new"
# A host's status changed, it was removed, or two agents claim its name (LiveConsumer.host_event).
HOST_EVENT = "host.event"
# A whole round of summaries from this process's merger (LiveConsumer.overview_round).
OVERVIEW_ROUND = "overview.round"

# Every screen that follows all hosts hears of new ones here.
HOSTS_GROUP = "hosts"


def host_group(host: str) -> str:
    """The group whose members receive ``host``'s samples and events."""
    return f"host.{host}"


def overview_group() -> str:
    """This process's group of overview screens (each web process merges rounds for its own)."""
    return f"overview.{socket.gethostname()}.{os.getpid()}"


class LoopThread:
    """A private event loop in a daemon thread, so a sync worker reuses one layer connection.

    ``async_to_sync`` would make a fresh loop per call, and channels-redis keeps its connections
    per loop: every sample would pay a new Redis connection.
    """

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, name="publish-loop", daemon=True).start()

    def run(self, coroutine: Coroutine[Any, Any, Any], timeout: float) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)
