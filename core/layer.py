"""Channel-layer groups and message types: what agents, the evaluator and the web processes say
to each other through the layer. Channels dispatches a message of type ``a.b`` to the consumer's
method ``a_b``; every type is named here once, for producers and consumers alike."""

import os
import socket

import msgpack

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


class LayerPublisher:
    """group_send for processes that have no event loop and no Channels (agents, the
    simulator, the evaluator): the message is PUBLISHed, msgpack-encoded, on the group's
    channel, exactly as channels-redis's RedisPubSubChannelLayer does it, so web processes'
    consumers receive it through their layer (a test holds the two together). A sync Redis
    call, or a command queued on a pipeline: no thread, no loop, no second connection."""

    def __init__(self, layer_prefix: str) -> None:
        self.layer_prefix = layer_prefix

    def channel(self, group: str) -> str:
        """The Redis pub/sub channel of a group (RedisPubSubLoopLayer._get_group_channel_name)."""
        return f"{self.layer_prefix}__group__{group}"

    @staticmethod
    def encode(message: dict) -> bytes:
        return msgpack.packb(message)

    def group_send(self, client, group: str, message: dict):
        """PUBLISH ``message`` to ``group`` on ``client`` (a Redis client or a pipeline)."""
        return client.publish(self.channel(group), self.encode(message))
