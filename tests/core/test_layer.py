"""LayerPublisher speaks channels-redis's pub/sub layer: what it publishes, a real layer's group
member receives as sent."""

import asyncio

import pytest
import redis
from channels.layers import get_channel_layer
from django.conf import settings

from core.layer import LayerPublisher, host_group

pytestmark = pytest.mark.usefixtures("live_settings")


async def test_a_message_published_without_channels_reaches_a_channels_group_member():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(host_group("alpha"), channel)
    publisher = LayerPublisher(settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"])
    message = {"type": "metrics.sample", "host": "alpha", "seq": 7, "text": "{}", "tick": None}
    client = redis.Redis.from_url(settings.REDIS_URL)
    assert await asyncio.to_thread(publisher.group_send, client, host_group("alpha"), message) == 1
    assert await asyncio.wait_for(layer.receive(channel), 5) == message
    await layer.group_discard(host_group("alpha"), channel)
