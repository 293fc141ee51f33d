"""The limit: a plain ``websockets`` broadcast server, no Django, fed by the product's publisher.

    .venv/bin/python -m bench.bare_server --port 8765 --redis-url unix:///…/redis.sock \
        --layer-prefix monitor.layer

It speaks the subset of the stream protocol the load client uses (``hello``; ``subscribe`` ->
``subscribed``; one ``samples`` frame per sample). Its samples come from the very Redis channels
the channels-redis pub/sub layer publishes groups on, ``<layer prefix>__group__host.<name>``
(msgpack-encoded layer messages, see collectors/publish.py). Each message is decoded once and
its frame built once per view, then handed to ``websockets.broadcast``, which writes it to every
subscriber's socket without a task or an await per client: as cheap as fan-out gets in Python.
"""

import argparse
import asyncio
import contextlib
import json
import logging
import sys
import time

import msgpack
import redis.asyncio as aioredis
from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

SAMPLE_MESSAGE = "metrics.sample"  # core.layer.SAMPLE; no product import here
_SAMPLES_HEAD = '{"type":"samples","samples":['
VIEWS = ("full", "summary")
MAX_MESSAGE_BYTES = 4 * 1024 * 1024  # as Daphne is run (monitor/processes.py)

log = logging.getLogger("bench.bare_server")


def glob_escape(text: str) -> str:
    """``text`` as a literal inside a Redis PSUBSCRIBE pattern."""
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


class Fanout:
    """Who follows what: sockets per (view, host), and sockets that follow every host."""

    def __init__(self) -> None:
        self.by_host: dict[tuple[str, str], set[ServerConnection]] = {}
        self.everything: dict[str, set[ServerConnection]] = {view: set() for view in VIEWS}

    def add(self, ws: ServerConnection, view: str, hosts: list[str] | None) -> None:
        if hosts is None:
            self.everything[view].add(ws)
            return
        for host in hosts:
            self.by_host.setdefault((view, host), set()).add(ws)

    def remove(self, ws: ServerConnection) -> None:
        for followers in self.everything.values():
            followers.discard(ws)
        for key in [key for key, followers in self.by_host.items() if ws in followers]:
            self.by_host[key].discard(ws)
            if not self.by_host[key]:
                del self.by_host[key]

    def deliver(self, message: dict) -> None:
        """One layer message -> one frame per view, broadcast to that view's followers."""
        host = message["host"]
        for view, key in (("full", "text"), ("summary", "summary")):
            followers = self.by_host.get((view, host))
            everyone = self.everything[view]
            if not followers and not everyone:
                continue
            frame = _SAMPLES_HEAD + message[key] + "]}"
            if followers:
                broadcast(followers, frame)
            if everyone:
                broadcast(everyone, frame)


async def handle(ws: ServerConnection, fanout: Fanout) -> None:
    await ws.send(json.dumps({"type": "hello", "protocol": 1, "server_time": time.time()}))
    followed: set[str] = set()
    try:
        async for text in ws:
            try:
                message = json.loads(text)
                if message.get("type") != "subscribe":
                    raise ValueError("only subscribe is supported here")
                hosts = message.get("hosts", "*")
                view = message.get("view", "full")
                if view not in VIEWS or not (hosts == "*" or isinstance(hosts, list)):
                    raise ValueError("bad subscribe")
            except (ValueError, AttributeError) as exc:
                await ws.send(json.dumps({"type": "error", "code": "bad", "message": str(exc)}))
                continue
            fanout.add(ws, view, None if hosts == "*" else hosts)
            followed.update(["*"] if hosts == "*" else hosts)
            await ws.send(json.dumps({"type": "subscribed", "hosts": sorted(followed)}))
    except ConnectionClosed:
        pass
    finally:
        fanout.remove(ws)


async def feed(redis_url: str, layer_prefix: str, fanout: Fanout) -> None:
    """Every group message of every ``host.*`` group, decoded once, fanned out."""
    client = aioredis.Redis.from_url(redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    # One pattern for every host group: the layer's channel is "<prefix>__group__<group>".
    await pubsub.psubscribe(glob_escape(f"{layer_prefix}__group__host.") + "*")
    async for item in pubsub.listen():
        if item["type"] != "pmessage":
            continue
        message = msgpack.unpackb(item["data"])
        if message.get("type") == SAMPLE_MESSAGE:
            fanout.deliver(message)


async def run(port: int, redis_url: str, layer_prefix: str) -> None:
    fanout = Fanout()
    async with serve(
        lambda ws: handle(ws, fanout),
        "127.0.0.1",
        port,
        compression=None,  # as Daphne: no permessage-deflate
        ping_interval=20,  # as the product's Daphne (monitor/processes.py)
        ping_timeout=30,
        max_size=MAX_MESSAGE_BYTES,
    ):
        await feed(redis_url, layer_prefix, fanout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--layer-prefix", required=True, help='"<MONITOR_REDIS_PREFIX>.layer"')
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(args.port, args.redis_url, args.layer_prefix))
    return 0


if __name__ == "__main__":
    sys.exit(main())
