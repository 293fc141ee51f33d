"""`python -m agent`: this host's agent, a Celery worker in one long-lived process.

Started without Celery's command line (click and its plug-ins are a fifth of an agent's
memory). The solo pool keeps the sampler's counter state in this process; purging drops the
collects that queued up while the agent was away, so it never starts with a backlog.
"""

import sys

from agent.celery_app import app, config
from core.collection import AGENT_NODE_PREFIX, agent_queue


def main() -> int:
    worker = app.Worker(
        hostname=f"{AGENT_NODE_PREFIX}{config.host}",
        queues=[agent_queue(config.host)],
        pool_cls="solo",
        concurrency=1,
        prefetch_multiplier=1,
        purge=True,
        without_gossip=True,
        without_mingle=True,
        without_heartbeat=True,
        loglevel="WARNING",
        quiet=True,
    )
    worker.start()
    return worker.exitcode or 0


if __name__ == "__main__":
    sys.exit(main())
