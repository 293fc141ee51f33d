"""The textbook Channels setup the issue measures, as an ASGI application for Daphne.

    daphne … bench.textbook:application   (bench/servers.py starts it with the product's flags)

What the Channels tutorial teaches: an ``AsyncJsonWebsocketConsumer`` that joins one group per
followed host on the ``RedisPubSubChannelLayer``, and per message per client decodes the sample
and re-encodes it with ``send_json``. No auth, no origin check, no backfill, no dedupe: only the
subscribe messages the load client sends. It is fed by the product's own ``group_send`` (same
settings, so the same layer prefix and the same ``host.<name>`` groups).
"""

import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "monitor.settings")
django.setup()

import json  # noqa: E402

from channels.generic.websocket import AsyncJsonWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import path  # noqa: E402

from core.layer import host_group  # noqa: E402
from core.redis_clients import async_redis_client as async_client  # noqa: E402
from core.redis_keys import RedisKeys  # noqa: E402
from dashboards.stream.reader import SampleReader  # noqa: E402


class TextbookConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        self.view = "full"
        self.hosts: set[str] = set()
        await self.accept()
        await self.send_json({"type": "hello", "protocol": 1, "server_time": time.time()})

    async def disconnect(self, code: int) -> None:
        for host in self.hosts:
            await self.channel_layer.group_discard(host_group(host), self.channel_name)

    async def receive_json(self, content: dict, **kwargs: object) -> None:
        if content.get("type") != "subscribe":
            await self.send_json({"type": "error", "code": "unknown_type", "message": "?"})
            return
        hosts = content.get("hosts", "*")
        if hosts == "*":
            # The list of hosts lives in Redis; a textbook app would read it the same way.
            reader = SampleReader(
                async_client(settings.REDIS_URL), RedisKeys(settings.MONITOR_REDIS_PREFIX)
            )
            hosts = await reader.known_hosts()
        self.view = content.get("view", "full")
        for host in hosts:
            await self.channel_layer.group_add(host_group(host), self.channel_name)
            self.hosts.add(host)
        await self.send_json({"type": "subscribed", "hosts": sorted(self.hosts)})

    async def metrics_sample(self, event: dict) -> None:
        # Decoded and re-encoded per client: what send_json invites, and what the product avoids.
        sample = json.loads(event["summary"] if self.view == "summary" else event["text"])
        await self.send_json({"type": "samples", "samples": [sample]})


application = ProtocolTypeRouter(
    {"websocket": URLRouter([path("ws/live/", TextbookConsumer.as_asgi())])}
)
