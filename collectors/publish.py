"""The publish step: number a reading, encode it once, store it, and fan it out.

This is the only place the collectors touch the channel layer. The message types and group names
here are the contract with ``dashboards.consumers``.
"""

import asyncio
import json
import logging
import threading
from collections.abc import Coroutine
from typing import Any

import redis

from collectors.host import Reading
from collectors.sample_store import SampleWriter, Stamp
from collectors.summary import summary_sample

log = logging.getLogger(__name__)

# Layer message types; Channels dispatches "metrics.sample" to LiveConsumer.metrics_sample.
SAMPLE_MESSAGE = "metrics.sample"
NEW_HOST_MESSAGE = "hosts.new"
HOSTS_GROUP = "hosts"


def host_group(host: str) -> str:
    """The channel-layer group whose members receive ``host``'s samples."""
    return f"host.{host}"


def _encode(value: dict) -> str:
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


def encode_sample(host: str, seq: int, interval: float, reading: Reading) -> str:
    """The sample as compact JSON text, exactly as every client will receive it."""
    return _encode(
        {
            "host": host,
            "seq": seq,
            "ts": round(reading.ts, 3),
            "interval": interval,
            "metrics": reading.metrics,
            "top": reading.top,
        }
    )


def encode_summary(host: str, seq: int, interval: float, reading: Reading) -> str:
    """The overview's summary of the sample, as compact JSON text."""
    return _encode(summary_sample(host, seq, interval, reading))


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
        except (redis.RedisError, OSError, TimeoutError) as exc:
            # The sample is lost (the stream is lossy by design); the next tick tries again.
            log.warning("could not publish a sample of %s: %s", self.host, exc)
            return None
        return stamp.seq

    def message(self, stamp: Stamp, reading: Reading, tick: int | None) -> dict:
        """The layer message of a reading, with both encodings made here, once."""
        return {
            "type": SAMPLE_MESSAGE,
            "host": self.host,
            "seq": stamp.seq,
            "ts": reading.ts,
            "epoch": stamp.epoch,
            "text": encode_sample(self.host, stamp.seq, self.interval, reading),
            "summary": encode_summary(self.host, stamp.seq, self.interval, reading),
            "tick": tick,
        }

    async def send(self, message: dict, first_sample: bool) -> None:
        """Fan the message out (on the publish loop); announce a host's first sample."""
        await self.layer.group_send(host_group(self.host), message)
        if first_sample:
            await self.layer.group_send(HOSTS_GROUP, {"type": NEW_HOST_MESSAGE, "host": self.host})
