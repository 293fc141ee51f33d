"""What beat and the agents agree on: the name of the collect task and each agent's queue."""

COLLECT_TASK = "collectors.collect"
AGENT_NODE_PREFIX = "agent@"


def agent_queue(host: str) -> str:
    """The queue that only ``host``'s agent consumes."""
    return f"agent.{host}"
