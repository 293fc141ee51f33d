"""The live stream at /ws/live/: subscribe, backfill from the recent store, then live samples.

Samples arrive from the channel layer already encoded and are forwarded as text: a sample is
never decoded or re-encoded per client. The ORM is touched only at connect (the auth middleware
loads the user); the per-sample path is Redis and the socket alone.
"""

import contextlib
import functools
import json
import math
import time
from collections.abc import Iterator

import redis
from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings

from collectors.publish import HOSTS_GROUP, host_group
from collectors.sample_store import SampleReader, StoreKeys, async_client
from dashboards import protocol as p
from dashboards.dispatch_loop import dispatch_in_order
from dashboards.round_merger import ensure_merger, overview_group
from dashboards.stream_stats import STATS, ensure_reporter
from dashboards.tick_batch import RoundSender

REDIS_ERRORS = (redis.RedisError, OSError)
# Handlers of these messages never touch the ORM. Channels' dispatch closes stale database
# connections before every handler, through a worker thread: on the per-sample path that thread
# hop costs more than the rest of the handler. The ORM is used only while connecting (the auth
# middleware loads the user), and that still goes through Channels' own dispatch.
ORM_FREE_MESSAGES = frozenset(
    {
        "metrics.sample", "overview.round", "host.event", "hosts.new",
        "websocket.receive", "websocket.disconnect",
    }
)  # fmt: skip
CLOSE_UNAVAILABLE = 4503
# A socket following several hosts sends a round of samples as one frame (dashboards/tick_batch.py):
# once the round is complete, else at most half an interval (ROUND_HOLD_MAX_S at most) after its
# first sample; a round normally completes long before, so the hold only delays the round in which
# a host stops. Samples without a round number (an older agent) leave once none came for QUIET_S.
ROUND_HOLD_MAX_S = 2.0
QUIET_S = 0.015
_SAMPLES_HEAD = '{"type":"samples","samples":['
_BACKFILL_HEAD = '{"type":"samples","backfill":true,"samples":['


def _samples_frame(texts: list[str], backfill: bool = False) -> str:
    return (_BACKFILL_HEAD if backfill else _SAMPLES_HEAD) + ",".join(texts) + "]}"


def backfill_frames(texts: list[str], max_bytes: int = p.BACKFILL_FRAME_BYTES) -> Iterator[str]:
    """Backfill as ``samples`` frames of about ``max_bytes`` at most (one sample may exceed it)."""
    chunk: list[str] = []
    size = 0
    for text in texts:
        if chunk and size + len(text) > max_bytes:
            yield _samples_frame(chunk, backfill=True)
            chunk, size = [], 0
        chunk.append(text)
        size += len(text) + 1
    if chunk:
        yield _samples_frame(chunk, backfill=True)


class LiveConsumer(AsyncWebsocketConsumer):
    """One browser screen (or any client) following the samples of some or all hosts."""

    backfill_frame_bytes = p.BACKFILL_FRAME_BYTES

    async def __call__(self, scope, receive, send) -> None:
        """Channels' AsyncConsumer.__call__, with dispatch_in_order for its receive loop."""
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = await self.channel_layer.new_channel()
        self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
        self.base_send = send
        with contextlib.suppress(StopConsumer):
            await dispatch_in_order([receive, self.channel_receive], self.dispatch)

    async def dispatch(self, message: dict) -> None:
        if message["type"] in ORM_FREE_MESSAGES:
            await getattr(self, get_handler_name(message))(message)
        else:
            await super().dispatch(message)

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close()  # before accept(): Daphne refuses the handshake with HTTP 403
            return
        self.reader = SampleReader(
            async_client(settings.REDIS_URL), StoreKeys(settings.MONITOR_REDIS_PREFIX)
        )
        self.hosts: set[str] = set()
        hold_s = min(ROUND_HOLD_MAX_S, settings.MONITOR_INTERVAL / 2)
        self.rounds = RoundSender(self._send_round, hold_s, QUIET_S)
        self.view = "full"
        self.follow_all = False
        self.merged = False  # an overview: whole rounds from this process's RoundMerger
        self.last_seq: dict[str, int] = {}
        self.bucket = p.TokenBucket(p.RATE_PER_SECOND, p.RATE_BURST, time.monotonic())
        await self.accept()
        self.counted = True
        STATS.clients += 1
        STATS.connections_total += 1
        ensure_reporter(async_client(settings.REDIS_URL), StoreKeys(settings.MONITOR_REDIS_PREFIX))
        try:
            self.epoch = await self.reader.epoch()
            known = await self.reader.known_hosts()
        except REDIS_ERRORS:
            await self._unavailable()
            return
        await self._send_hello(known)

    async def disconnect(self, code: int) -> None:
        if getattr(self, "rounds", None) is not None:
            self.rounds.cancel()
        if getattr(self, "counted", False):
            STATS.clients -= 1
            self.counted = False
        for host in getattr(self, "hosts", ()):
            await self.channel_layer.group_discard(host_group(host), self.channel_name)
        if getattr(self, "follow_all", False):
            await self.channel_layer.group_discard(HOSTS_GROUP, self.channel_name)
        if getattr(self, "merged", False):
            await self.channel_layer.group_discard(overview_group(), self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.bucket.take(time.monotonic()):
            STATS.dropped("flooding")
            await self.close(code=p.CLOSE_FLOODING)
            return
        if text_data is None:
            await self._send_error("unsupported_frame", "send JSON text frames, not binary")
            return
        if len(text_data) > p.MAX_MESSAGE_BYTES or len(text_data.encode()) > p.MAX_MESSAGE_BYTES:
            STATS.dropped("too_big")
            await self.close(code=p.CLOSE_TOO_BIG)
            return
        try:
            message = json.loads(text_data)
        except ValueError:
            await self._send_error("bad_json", "the message is not valid JSON")
            return
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self._send_error("bad_message", 'a message is a JSON object with a string "type"')
            return
        handler = {
            p.SUBSCRIBE: self._subscribe,
            p.UNSUBSCRIBE: self._unsubscribe,
            p.PING: self._ping,
        }.get(message["type"])
        if handler is None:
            await self._send_error("unknown_type", f"unknown message type {message['type'][:40]!r}")
            return
        try:
            await handler(message)
        except p.ProtocolError as exc:
            await self._send_error(exc.code, exc.message)
        except REDIS_ERRORS:
            await self._unavailable()

    # --- client messages ---------------------------------------------------------------------

    async def _subscribe(self, message: dict) -> None:
        subscription = p.parse_subscribe(message, settings.MONITOR_RECENT_SECONDS)
        # Groups first, then the host list: a host that appears in between is announced.
        if subscription.hosts is None and subscription.view == "summary":
            await self._follow_merged_rounds()
        else:
            await self._follow_each_host()
            if subscription.hosts is None and not self.follow_all:
                await self.channel_layer.group_add(HOSTS_GROUP, self.channel_name)
                self.follow_all = True
        if subscription.hosts is None:
            wanted = await self.reader.known_hosts()
        else:
            wanted = subscription.hosts
        if len(self.hosts | set(wanted)) > p.MAX_HOSTS_PER_SUBSCRIBE:
            raise p.ProtocolError("too_many_hosts", f"at most {p.MAX_HOSTS_PER_SUBSCRIBE} hosts")
        for host in wanted:
            if host not in self.hosts:
                if not self.merged:
                    await self.channel_layer.group_add(host_group(host), self.channel_name)
                self.hosts.add(host)
        if subscription.view != self.view:
            self.view = subscription.view
            self.last_seq.clear()  # the other view's samples have not been sent yet
        await self._send_json({"type": p.SUBSCRIBED, "hosts": sorted(self.hosts)})
        await self._send_json({"type": p.HOSTS, "hosts": await self.reader.fleet_records(wanted)})
        backfill_count = math.ceil(subscription.backfill_s / settings.MONITOR_INTERVAL)
        for host in wanted:
            await self._backfill(host, subscription.since.get(host), backfill_count)

    async def _unsubscribe(self, message: dict) -> None:
        leaving = p.parse_unsubscribe(message)
        if leaving is None:
            leaving = list(self.hosts)
            if self.follow_all:
                await self.channel_layer.group_discard(HOSTS_GROUP, self.channel_name)
                self.follow_all = False
            if self.merged:
                await self.channel_layer.group_discard(overview_group(), self.channel_name)
                self.merged = False
        elif self.merged:
            await self._follow_each_host()  # no longer every host: per-host groups again
        for host in leaving:
            if host in self.hosts:
                await self.channel_layer.group_discard(host_group(host), self.channel_name)
                self.hosts.discard(host)
        await self._send_json({"type": p.SUBSCRIBED, "hosts": sorted(self.hosts)})

    async def _follow_merged_rounds(self) -> None:
        """Every host's summary, a whole round per message (dashboards/round_merger.py)."""
        if self.merged:
            return
        merger = await ensure_merger(
            self.channel_layer, self.reader, self.rounds.hold_s, self.rounds.quiet_s
        )
        await self.channel_layer.group_add(merger.group, self.channel_name)
        # The merger forwards samples, host events and new hosts: no per-host groups needed.
        for host in self.hosts:
            await self.channel_layer.group_discard(host_group(host), self.channel_name)
        if self.follow_all:
            await self.channel_layer.group_discard(HOSTS_GROUP, self.channel_name)
            self.follow_all = False
        self.merged = True

    async def _follow_each_host(self) -> None:
        if not self.merged:
            return
        for host in self.hosts:
            await self.channel_layer.group_add(host_group(host), self.channel_name)
        await self.channel_layer.group_add(HOSTS_GROUP, self.channel_name)
        self.follow_all = True
        await self.channel_layer.group_discard(overview_group(), self.channel_name)
        self.merged = False

    async def _ping(self, message: dict) -> None:
        await self._send_json({"type": p.PONG, "server_time": time.time()})

    # --- channel-layer messages --------------------------------------------------------------

    async def metrics_sample(self, event: dict) -> None:
        host, seq = event["host"], event["seq"]
        if event["epoch"] != self.epoch:
            # The store started over (a new Redis): seqs restarted, so tell the client to reset.
            self.epoch = event["epoch"]
            self.last_seq.clear()
            self.rounds.reset()
            await self._send_hello(sorted(self.hosts))
        if seq <= self.last_seq.get(host, 0):
            return  # already sent in a backfill
        self.last_seq[host] = seq
        text = event["summary"] if self.view == "summary" else event["text"]
        if len(self.hosts) == 1:
            await self.send(text_data=_samples_frame([text]))
            STATS.sent(1, event.get("ts"))
            return
        # Following several hosts: one frame per collection round, not one per host.
        await self.rounds.add(host, event.get("tick"), text, event.get("ts") or time.time())

    async def _send_round(self, texts: list[str], oldest: float) -> None:
        await self.send(text_data=_samples_frame(texts))
        STATS.sent(len(texts), oldest)

    async def overview_round(self, event: dict) -> None:
        """A whole round of summaries from the merger: one frame, without what was sent already."""
        if event["epoch"] != self.epoch:
            self.epoch = event["epoch"]
            self.last_seq.clear()
            await self._send_hello(sorted(self.hosts))
        texts = []
        last_seq, hosts = self.last_seq, self.hosts
        for host, seq, text in event["samples"]:
            if seq > last_seq.get(host, 0) and host in hosts:
                last_seq[host] = seq
                texts.append(text)
        if texts:
            await self.send(text_data=_samples_frame(texts))
            STATS.sent(len(texts), event["oldest"])

    async def host_event(self, event: dict) -> None:
        """A host's status changed, it was removed, or two agents claim its name."""
        change = event["event"]
        if change["host"] not in self.hosts:
            return
        if change["event"] == "removed":
            await self.channel_layer.group_discard(host_group(change["host"]), self.channel_name)
            self.hosts.discard(change["host"])
            self.last_seq.pop(change["host"], None)
        await self._send_json({"type": p.HOST, **change})

    async def hosts_new(self, event: dict) -> None:
        host = event["host"]
        if not (self.follow_all or self.merged) or host in self.hosts:
            return
        if len(self.hosts) >= p.MAX_HOSTS_PER_SUBSCRIBE:
            return
        if not self.merged:
            await self.channel_layer.group_add(host_group(host), self.channel_name)
        self.hosts.add(host)
        try:
            [record] = await self.reader.fleet_records([host])
            await self._send_json({"type": p.HOST, "host": host, "event": "new", "record": record})
            # Its first sample went out before we joined its group.
            await self._backfill(host, None, math.ceil(60 / settings.MONITOR_INTERVAL))
        except REDIS_ERRORS:
            await self._unavailable()

    # --- helpers -----------------------------------------------------------------------------

    async def _backfill(self, host: str, since: int | None, count: int) -> None:
        after = max(since or 0, self.last_seq.get(host, 0)) or None
        stored = await self.reader.recent(host, after, count, self.view)
        if not stored:
            return
        self.last_seq[host] = max(self.last_seq.get(host, 0), stored[-1][1])
        for frame in backfill_frames([text for text, _ in stored], self.backfill_frame_bytes):
            await self.send(text_data=frame)
            STATS.frames += 1
        STATS.samples += len(stored)

    async def _send_hello(self, hosts: list[str]) -> None:
        await self._send_json(
            {
                "type": p.HELLO,
                "protocol": p.PROTOCOL_VERSION,
                "server_time": time.time(),
                "epoch": self.epoch,
                "interval": settings.MONITOR_INTERVAL,
                "hosts": hosts,
                "limits": {
                    "max_message_bytes": p.MAX_MESSAGE_BYTES,
                    "messages_per_s": p.RATE_PER_SECOND,
                    "burst": p.RATE_BURST,
                    "backfill_s": settings.MONITOR_RECENT_SECONDS,
                },
            }
        )

    async def _send_json(self, message: dict) -> None:
        await self.send(text_data=json.dumps(message, separators=(",", ":")))

    async def _send_error(self, code: str, message: str) -> None:
        await self._send_json({"type": p.ERROR, "code": code, "message": message})

    async def _unavailable(self) -> None:
        STATS.dropped("redis_unavailable")
        await self._send_error("unavailable", "the sample store is unreachable; reconnect later")
        await self.close(code=CLOSE_UNAVAILABLE)
