"""The text of every frame the stream sends. Samples arrive already encoded by the agent and are
joined into a frame by string concatenation: a sample is never decoded or re-encoded here."""

import json
import time
from collections.abc import Iterator

from dashboards.stream import protocol as p

_SAMPLES_HEAD = '{"type":"samples","samples":['
_BACKFILL_HEAD = '{"type":"samples","backfill":true,"samples":['


def _encode(message: dict) -> str:
    return json.dumps(message, separators=(",", ":"))


def samples(texts: list[str], backfill: bool = False) -> str:
    """A ``samples`` frame of already encoded samples."""
    return (_BACKFILL_HEAD if backfill else _SAMPLES_HEAD) + ",".join(texts) + "]}"


def backfill(texts: list[str], max_bytes: int = p.BACKFILL_FRAME_BYTES) -> Iterator[str]:
    """Backfill as ``samples`` frames of about ``max_bytes`` at most (one sample may exceed it)."""
    chunk: list[str] = []
    size = 0
    for text in texts:
        if chunk and size + len(text) > max_bytes:
            yield samples(chunk, backfill=True)
            chunk, size = [], 0
        chunk.append(text)
        size += len(text) + 1
    if chunk:
        yield samples(chunk, backfill=True)


def hello(epoch: str, hosts: list[str], interval: float, recent_s: float) -> str:
    return _encode(
        {
            "type": p.HELLO,
            "protocol": p.PROTOCOL_VERSION,
            "server_time": time.time(),
            "epoch": epoch,
            "interval": interval,
            "hosts": hosts,
            "limits": {
                "max_message_bytes": p.MAX_MESSAGE_BYTES,
                "messages_per_s": p.RATE_PER_SECOND,
                "burst": p.RATE_BURST,
                "backfill_s": recent_s,
            },
        }
    )


def subscribed(hosts: set[str]) -> str:
    return _encode({"type": p.SUBSCRIBED, "hosts": sorted(hosts)})


def hosts(records: list[dict]) -> str:
    return _encode({"type": p.HOSTS, "hosts": records})


def host(change: dict) -> str:
    """A ``host`` event: ``change`` holds ``event``, ``host`` and the event's own fields."""
    return _encode({"type": p.HOST, **change})


def pong() -> str:
    return _encode({"type": p.PONG, "server_time": time.time()})


def tick() -> str:
    """The keepalive of an idle socket, with the server's clock."""
    return _encode({"type": p.TICK, "server_time": time.time()})


def error(code: str, message: str) -> str:
    return _encode({"type": p.ERROR, "code": code, "message": message})


def command(command: str, **fields: str) -> str:
    """An admin's ``command`` to a registered screen, with its ``name`` or ``url``."""
    return _encode({"type": p.COMMAND, "command": command, **fields})
