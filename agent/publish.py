"""The publish step: number a reading, encode it once, store it, and fan it out.

This is the only place an agent touches the channel layer; the groups and message types are
named in core/layer.py.
"""

import json
import logging

from agent.sample_writer import STORE_STARTED_OVER, SampleWriter, Stamp
from collectors.host import Reading
from collectors.summary import summarize
from core.layer import HOSTS_GROUP, NEW_HOST, SAMPLE, LayerPublisher, host_group
from core.outages import OutageLog
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
    """Publishes one host's readings: stored and sent to its group in one Redis round trip."""

    def __init__(
        self, host: str, interval: float, writer: SampleWriter, layer: LayerPublisher
    ) -> None:
        self.host = host
        self.interval = interval
        self.writer = writer
        self.layer = layer
        self._outage = OutageLog(log, f"publishing samples of {host}")

    def publish(self, reading: Reading, tick: int | None = None) -> int | None:
        """Send the reading to every subscriber; returns its seq, or None when Redis is down
        (the sample is lost: the stream is lossy by design, and the next round tries again).

        ``tick`` numbers the collection round the reading belongs to (the dispatcher's counter):
        screens following many hosts send one round as one frame.
        """
        try:
            for _ in range(2):  # a second time only if the store started over meanwhile
                message = self.message(self.writer.next_stamp(), reading, tick)
                reply = self.queue_send(self.writer.client, message)
                if reply != STORE_STARTED_OVER:
                    break
                self.writer.start_over()
            if reply == 1:
                self.announce(self.writer.client)
        except REDIS_ERRORS as exc:
            self._outage.failed(exc)
            return None
        self._outage.succeeded()
        return message["seq"] if reply != STORE_STARTED_OVER else None

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

    def queue_send(self, client, message: dict):
        """Store the sample and send it to the host's group, in one script on ``client`` (or
        queued on a pipeline); the reply is 1 for a host's first sample, 0 otherwise, or
        STORE_STARTED_OVER (nothing stored or sent)."""
        stamp = Stamp(message["epoch"], message["seq"])
        group = host_group(self.host)
        fan_out = (self.layer.channel(group), self.layer.encode(message))
        return self.writer.queue_append(client, stamp, message["text"], message["summary"], fan_out)

    def announce(self, client) -> None:
        """A host's first sample: screens following every host add it."""
        self.layer.group_send(client, HOSTS_GROUP, {"type": NEW_HOST, "host": self.host})
