"""The publish step: number a reading, encode it once, store it, and fan it out.

This is the only place an agent touches the channel layer; the groups and message types are
named in core/layer.py.
"""

import json
import logging
from typing import Any

from agent.sample_writer import SampleWriter, Stamp
from collectors.host import Reading
from collectors.summary import summarize
from core.layer import HOSTS_GROUP, NEW_HOST, SAMPLE, LoopThread, host_group
from core.redis_clients import REDIS_ERRORS

log = logging.getLogger(__name__)


def _encode(value: dict) -> str:
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


def encode_views(host: str, seq: int, interval: float, reading: Reading) -> tuple[str, str]:
    """The reading as compact JSON text, exactly as every client receives it, in both views:
    the full sample (with its headline figures as ``summary``) and the overview's summary."""
    headline, fullest_mount = summarize(reading.metrics)
    head = {"host": host, "seq": seq, "ts": round(reading.ts, 3), "interval": interval}
    summary = {"metrics": headline, "fullest_mount": fullest_mount}
    full = {**head, "metrics": reading.metrics, "top": reading.top, "summary": summary}
    return _encode(full), _encode({**head, **summary})


def encode_sample(host: str, seq: int, interval: float, reading: Reading) -> str:
    """The full sample's text."""
    return encode_views(host, seq, interval, reading)[0]


def encode_summary(host: str, seq: int, interval: float, reading: Reading) -> str:
    """The overview's summary's text."""
    return encode_views(host, seq, interval, reading)[1]


class Publisher:
    """Publishes one host's readings: one stored and one layer message per reading."""

    def __init__(
        self,
        host: str,
        interval: float,
        writer: SampleWriter,
        channel_layer: Any,
        loop: LoopThread | None = None,
    ) -> None:
        self.host = host
        self.interval = interval
        self.writer = writer
        self.layer = channel_layer
        self.loop = loop or LoopThread()

    def publish(self, reading: Reading, tick: int | None = None) -> int | None:
        """Send the reading to every subscriber; returns its seq, or None when Redis is down.

        ``tick`` numbers the collection round the reading belongs to (the dispatcher's counter):
        screens following many hosts send one round as one frame.
        """
        try:
            stamp = self.writer.next_stamp()
            message = self.message(stamp, reading, tick)
            first_sample = self.writer.append(stamp.seq, message["text"], message["summary"])
            self.loop.run(self.send(message, first_sample), timeout=5)
        except (*REDIS_ERRORS, TimeoutError) as exc:
            # The sample is lost (the stream is lossy by design); the next tick tries again.
            log.warning("could not publish a sample of %s: %s", self.host, exc)
            return None
        return stamp.seq

    def message(self, stamp: Stamp, reading: Reading, tick: int | None) -> dict:
        """The layer message of a reading, with both encodings made here, once."""
        text, summary = encode_views(self.host, stamp.seq, self.interval, reading)
        return {
            "type": SAMPLE,
            "host": self.host,
            "seq": stamp.seq,
            "ts": reading.ts,
            "epoch": stamp.epoch,
            "text": text,
            "summary": summary,
            "tick": tick,
        }

    async def send(self, message: dict, first_sample: bool) -> None:
        """Fan the message out (on the publish loop); announce a host's first sample."""
        await self.layer.group_send(host_group(self.host), message)
        if first_sample:
            await self.layer.group_send(HOSTS_GROUP, {"type": NEW_HOST, "host": self.host})
