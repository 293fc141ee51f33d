"""The first look at a frame from a client, before any handler: its size, its kind, its JSON
and its shape (docs/protocol.md, "Bad input"). Pure: the consumer carries out the answer."""

import json
from dataclasses import dataclass

from dashboards.stream import protocol as p


@dataclass(frozen=True)
class Inbound:
    """A message to handle, or an ``error`` (code, text) to answer with, or a ``close`` code."""

    message: dict | None = None
    error: tuple[str, str] | None = None
    close: int | None = None


def read_frame(text_data: str | None, bytes_data: bytes | None) -> Inbound:
    # The size first, whatever the frame's kind: a big binary frame is as big as a text one.
    if text_data is None:
        too_big = len(bytes_data or b"") > p.MAX_MESSAGE_BYTES
    else:
        too_big = (
            len(text_data) > p.MAX_MESSAGE_BYTES or len(text_data.encode()) > p.MAX_MESSAGE_BYTES
        )
    if too_big:
        return Inbound(close=p.CLOSE_TOO_BIG)
    if text_data is None:
        return Inbound(error=(p.UNSUPPORTED_FRAME, "send JSON text frames, not binary"))
    try:
        message = json.loads(text_data)
    except ValueError:
        return Inbound(error=(p.BAD_JSON, "the message is not valid JSON"))
    except RecursionError:  # valid JSON nested deeper than Python's parser goes
        return Inbound(error=(p.BAD_JSON, "the message is nested too deeply"))
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return Inbound(error=(p.BAD_MESSAGE, 'a message is a JSON object with a string "type"'))
    return Inbound(message=message)
