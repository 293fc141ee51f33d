"""Commands to one screen, from the registry's views to the socket that registered it: the
channel-layer group and message type, named here once for both sides (stream/consumers.py
forwards the message as a ``command`` frame, docs/protocol.md)."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

# Handled by LiveConsumer.screen_command.
SCREEN_COMMAND = "screen.command"


def screen_group(pk: int) -> str:
    """The group of the socket (or sockets: two tabs of one browser) registered as screen ``pk``."""
    return f"screen.{pk}"


def send_command(pk: int, command: str, **fields: str) -> None:
    """Tell screen ``pk`` to ``command`` (protocol.COMMANDS); the layer may drop it, as it may
    any message, so the registry shows what the screen reports afterwards, never assumes."""
    message = {"type": SCREEN_COMMAND, "command": command, **fields}
    async_to_sync(get_channel_layer().group_send)(screen_group(pk), message)
