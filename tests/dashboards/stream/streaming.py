"""Helpers for consumer tests: publish through the real path, talk through a real communicator."""

import asyncio
import json
import time

import redis
from channels.testing import WebsocketCommunicator
from django.conf import settings

from agent.publish import Publisher
from agent.sample_writer import SampleWriter
from collectors.host import Reading
from core.layer import LayerPublisher
from core.redis_keys import RedisKeys
from dashboards.stream.consumers import LiveConsumer


def make_publisher(host: str) -> Publisher:
    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = RedisKeys(settings.MONITOR_REDIS_PREFIX)
    writer = SampleWriter(client, keys, host, keep=600)
    layer = LayerPublisher(settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"])
    return Publisher(host, settings.MONITOR_INTERVAL, writer, layer)


def reading(cpu: float = 12.5) -> Reading:
    return Reading(ts=time.time(), metrics={"cpu.percent": cpu, "mem.total_bytes": 1024}, top=[])


async def publish(publisher: Publisher, count: int = 1, tick: int | None = None) -> list[int]:
    """Publish ``count`` readings from a worker thread, as an agent would; returns their seqs."""
    return [await asyncio.to_thread(publisher.publish, reading(), tick) for _ in range(count)]


async def connect(user, path: str = "/ws/live/") -> WebsocketCommunicator:
    """A connected communicator for ``user`` (the consumer alone, auth already done)."""
    communicator = WebsocketCommunicator(LiveConsumer.as_asgi(), path)
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def receive(
    communicator: WebsocketCommunicator, wait: float = 5, ticks: bool = False
) -> dict:
    """The next frame within ``wait`` seconds; the keepalive ``tick`` an idle socket gets is
    skipped unless ``ticks``."""
    deadline = time.monotonic() + wait
    while True:
        message = json.loads(
            await communicator.receive_from(max(0.01, deadline - time.monotonic()))
        )
        if ticks or message["type"] != "tick":
            return message


async def receive_type(communicator: WebsocketCommunicator, kind: str, wait: float = 5) -> dict:
    """The next message of type ``kind``, skipping others; fails after ``wait`` seconds. After
    ``hello``, the alerts snapshot that always follows it is taken too."""
    deadline = time.monotonic() + wait
    while True:
        message = await receive(
            communicator, max(0.01, deadline - time.monotonic()), ticks=kind == "tick"
        )
        if message["type"] == kind:
            if kind == "hello":
                snapshot = await receive(communicator, max(0.01, deadline - time.monotonic()))
                assert snapshot["type"] == "alerts", snapshot
            return message


async def send(communicator: WebsocketCommunicator, message: dict) -> None:
    await communicator.send_to(text_data=json.dumps(message))


async def eventually(condition, within_s: float = 5, what: str = "") -> None:
    """Until ``condition()`` is truthy; fails naming ``what`` after ``within_s`` seconds."""
    deadline = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)
