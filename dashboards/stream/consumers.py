"""The live stream at /ws/live/: subscribe, backfill from the recent store, then live samples.

This module is the glue: it takes client and channel-layer messages, asks Subscriptions what
they change (subscriptions.py), joins and leaves groups, reads the store (reader.py) and sends
frames (frames.py). The ORM is touched only at connect (the auth middleware loads the user), by
acks, and by a registered screen's report every 10 s (screens/socket.py); the per-sample path is
Redis and the socket alone.
"""

import math
import time
from collections.abc import Iterable

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import DatabaseError

from core import layer
from core.redis_clients import REDIS_ERRORS, async_redis_client
from core.redis_keys import redis_keys
from dashboards.access.revocation import hold, let_go
from dashboards.alerts import responses
from dashboards.alerts.mirror import ALERTS_GROUP
from dashboards.screens.socket import ScreenRegistration
from dashboards.stream import frames
from dashboards.stream import protocol as p
from dashboards.stream.backfill_pacing import client_keeps_up
from dashboards.stream.background import ensure_background, redis_watch
from dashboards.stream.boards import by_hosts
from dashboards.stream.inbound import read_frame
from dashboards.stream.keepalive import IDLE_FRACTION
from dashboards.stream.merger import ensure_merger
from dashboards.stream.reader import SampleReader
from dashboards.stream.receive_loop import OrderedWebsocketConsumer
from dashboards.stream.reclaim import RECLAIMER
from dashboards.stream.rounds import RoundSender
from dashboards.stream.stats import STATS
from dashboards.stream.subscriptions import GroupChanges, Subscriptions
from dashboards.stream.web_server import BACKLOG_EXTENSION

# A socket following several hosts sends a round of samples as one frame (rounds.py): once the
# round is complete, else at most half an interval (ROUND_HOLD_MAX_S at most) after its first
# sample; a round normally completes long before, so the hold only delays the round in which a
# host stops. Samples without a round number (an older agent) leave once none came for QUIET_S.
ROUND_HOLD_MAX_S = 2.0
QUIET_S = 0.015
# A host that appears while a socket follows every host: what its backfill covers.
NEW_HOST_BACKFILL_S = 60


class LiveConsumer(OrderedWebsocketConsumer):
    """One browser screen (or any client) following the samples of some or all hosts."""

    backfill_frame_bytes = p.BACKFILL_FRAME_BYTES
    sent_at: float | None = None  # monotonic time of the last frame (keepalive.py)
    keepalive_posted = False
    kiosk_id: int | None = None  # a wall screen's token (kiosk.py); None on a person's socket
    screen: ScreenRegistration | None = None  # after its first `screen` report

    def layer_usable(self) -> bool:
        watch = redis_watch()
        return watch is None or watch.available

    async def admit(self) -> bool:
        """Whether this handshake may open a socket: a signed-in user's (a kiosk's: kiosk.py)."""
        user = self.scope.get("user")
        return user is not None and user.is_authenticated

    def hold_access(self) -> None:
        """Names what ends this socket's access (access/revocation.py): its session, its user."""
        session_key = getattr(self.scope.get("session"), "session_key", None)
        hold(self, self.scope["user"].pk, session_key)

    async def connect(self) -> None:
        if not await self.admit():
            await self.close()  # before accept(): Daphne refuses the handshake with HTTP 403
            return
        keys = redis_keys(settings.MONITOR_REDIS_PREFIX)
        self.reader = SampleReader(async_redis_client(settings.REDIS_URL), keys)
        self.subs = Subscriptions(overview_group=layer.overview_group())
        hold_s = min(ROUND_HOLD_MAX_S, settings.MONITOR_INTERVAL / 2)
        self.rounds = RoundSender(self._send_round, hold_s, QUIET_S)
        self.bucket = p.TokenBucket(p.RATE_PER_SECOND, p.RATE_BURST, time.monotonic())
        backlog = self.scope.get("extensions", {}).get(BACKLOG_EXTENSION, {})
        self.unsent_bytes = backlog.get("unsent_bytes")
        watch = ensure_background(settings.REDIS_URL, keys, settings.MONITOR_INTERVAL)
        await self.accept()
        self.counted = True
        STATS.connected()
        self.opened()
        self.hold_access()
        if self.channel_name is None or not watch.available:
            await self._unavailable()
            return
        try:
            self.epoch, known = await self.reader.epoch_and_hosts()
        except REDIS_ERRORS:
            await self._unavailable()
            return
        await self.send(text_data=self._hello(known))
        # Alerts are not lossy like samples: every (re)connect starts from the whole snapshot.
        # Joined first, read after: a change made in between arrives twice, never not at all,
        # and the client keeps the higher version.
        await self.channel_layer.group_add(ALERTS_GROUP, self.channel_name)
        self.alerts_joined = True
        try:
            await self.send(text_data=await self.reader.alert_snapshot())
        except REDIS_ERRORS:
            await self._unavailable()

    async def send(self, text_data=None, bytes_data=None, close=False) -> None:
        self.sent_at = time.monotonic()
        await super().send(text_data, bytes_data, close)

    async def disconnect(self, code: int) -> None:
        await self.release()

    def forget(self) -> Iterable[str]:
        let_go(self)
        if getattr(self, "rounds", None) is not None:
            self.rounds.cancel()
        if getattr(self, "counted", False):
            self.counted = False
            STATS.disconnected()
            RECLAIMER.disconnected()
        subs = getattr(self, "subs", None)
        groups = list(subs.groups()) if subs is not None else []
        if getattr(self, "alerts_joined", False):
            groups.append(ALERTS_GROUP)
        if self.screen is not None:
            groups.extend(self.screen.forget(self.channel_name))
        return groups

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.bucket.take(time.monotonic()):
            STATS.dropped("flooding")
            await self.close(code=p.CLOSE_FLOODING)
            return
        inbound = read_frame(text_data, bytes_data)
        if inbound.close is not None:
            STATS.dropped("too_big")
            await self.close(code=inbound.close)
            return
        if inbound.error is not None:
            await self._send_error(*inbound.error)
            return
        message = inbound.message
        handler = {
            p.SUBSCRIBE: self._subscribe,
            p.UNSUBSCRIBE: self._unsubscribe,
            p.PING: self._ping,
            p.ACK: self._ack,
            p.UNACK: self._unack,
            p.SCREEN: self._screen,
        }.get(message["type"])
        if handler is None:
            await self._send_error(p.UNKNOWN_TYPE, f"unknown message type {message['type'][:40]!r}")
            return
        try:
            await handler(message)
        except p.ProtocolError as exc:
            await self._send_error(exc.code, exc.message)
        except (*REDIS_ERRORS, DatabaseError):
            await self._unavailable()

    # --- client messages ---------------------------------------------------------------------

    async def _subscribe(self, message: dict) -> None:
        message = await by_hosts(message)
        if message is None:  # a dashboard of clocks and notes: nothing to follow
            await self.send(text_data=frames.subscribed(self.subs.hosts))
            return
        request = p.parse_subscribe(message, settings.MONITOR_RECENT_SECONDS)
        # Groups first, then the host list: a host that appears in between is announced.
        await self._apply(self.subs.subscribe(request))
        wanted = await self.reader.known_hosts() if request.hosts is None else request.hosts
        await self._apply(self.subs.add_hosts(wanted))
        count = math.ceil(request.backfill_s / settings.MONITOR_INTERVAL)
        after = {host: self.subs.backfill_after(host, request.since.get(host)) for host in wanted}
        records, recent = await self.reader.records_and_recent(wanted, after, count, self.subs.view)
        await self.send(text_data=frames.subscribed(self.subs.hosts))
        await self.send(text_data=frames.hosts(records))
        for host in wanted:
            await self._send_backfill(host, recent.get(host, []))

    async def _unsubscribe(self, message: dict) -> None:
        await self._apply(self.subs.unsubscribe(p.parse_unsubscribe(message)))
        await self.send(text_data=frames.subscribed(self.subs.hosts))

    async def _ping(self, message: dict) -> None:
        await self.send(text_data=frames.pong())

    async def _ack(self, message: dict) -> None:
        await self._respond(responses.acknowledge, message.get("id"), message.get("comment"))

    async def _unack(self, message: dict) -> None:
        await self._respond(responses.unacknowledge, message.get("id"))

    async def _screen(self, message: dict) -> None:
        """A screen's report of itself (dashboards/screens/): the first one registers it."""
        if self.screen is None:
            user_id = None if self.kiosk_id is not None else self.scope["user"].pk
            self.screen = ScreenRegistration(self.kiosk_id, user_id)
        join, leave = await self.screen.report(message, self.channel_name)
        if leave is not None:
            await self.channel_layer.group_discard(leave, self.channel_name)
        if join is not None:
            await self.channel_layer.group_add(join, self.channel_name)

    async def _respond(self, action, *args) -> None:
        """Taken: written, then pushed to every screen (this one too) as an `alert` frame."""
        try:
            await database_sync_to_async(action)(self.scope["user"], *args)
        except responses.Refused as exc:
            raise p.ProtocolError(exc.code, exc.message) from None

    # --- channel-layer messages --------------------------------------------------------------

    async def metrics_sample(self, event: dict) -> None:
        if event["epoch"] != self.epoch:
            await self._restart(event["epoch"])
        host = event["host"]
        if not self.subs.accept(host, event["seq"]):
            return
        text = event["summary"] if self.subs.view == "summary" else event["text"]
        if len(self.subs.hosts) == 1:
            await self.send(text_data=frames.samples([text]))
            STATS.sent(1, event.get("ts"))
            return
        # Following several hosts: one frame per collection round, not one per host.
        await self.rounds.add(host, event.get("tick"), text, event.get("ts") or time.time())

    async def overview_round(self, event: dict) -> None:
        """A whole round of summaries from the merger: one frame, without what was sent already."""
        if event["epoch"] != self.epoch:
            await self._restart(event["epoch"])
        hosts, accept = self.subs.hosts, self.subs.accept
        texts = [
            text for host, seq, text in event["samples"] if host in hosts and accept(host, seq)
        ]
        if texts:
            await self.send(text_data=frames.samples(texts))
            STATS.sent(len(texts), event["oldest"])

    async def host_event(self, event: dict) -> None:
        """A host's status changed, it was removed, or two agents claim its name."""
        change = event["event"]
        if change["host"] not in self.subs.hosts:
            return
        if change["event"] == "removed":
            await self._apply(self.subs.host_removed(change["host"]))
        await self.send(text_data=frames.host(change))

    async def hosts_new(self, event: dict) -> None:
        host = event["host"]
        changes = self.subs.host_appeared(host)
        if changes is None:
            return
        await self._apply(changes)
        count = math.ceil(NEW_HOST_BACKFILL_S / settings.MONITOR_INTERVAL)
        after = {host: self.subs.backfill_after(host, None)}
        try:
            [record], recent = await self.reader.records_and_recent(
                [host], after, count, self.subs.view
            )
        except REDIS_ERRORS:
            await self._unavailable()
            return
        await self.send(text_data=frames.host({"host": host, "event": "new", "record": record}))
        # Its first sample went out before we joined its group.
        await self._send_backfill(host, recent.get(host, []))

    async def alert_frame(self, event: dict) -> None:
        """An alert changed (the evaluator, or someone's ack): the frame is ready-made."""
        await self.send(text_data=event["text"])

    async def walls_changed(self, event: dict) -> None:
        """A saved dashboard or playlist changed (walls/changes.py): the frame is ready-made."""
        await self.send(text_data=event["text"])

    async def screen_command(self, event: dict) -> None:
        """An admin's command to this registered screen (screens/commands.py)."""
        fields = {key: event[key] for key in ("name", "url") if key in event}
        await self.send(text_data=frames.command(event["command"], **fields))

    async def stream_keepalive(self, message: dict) -> None:
        """Posted by the keepalive duty: nothing went out for most of an interval, so a tick does
        (unless a frame went out while the message waited its turn)."""
        self.keepalive_posted = False
        if time.monotonic() - self.sent_at >= IDLE_FRACTION * settings.MONITOR_INTERVAL:
            await self.send(text_data=frames.tick())

    async def access_ended(self, message: dict) -> None:
        """Posted by the access watch: this socket's session or account no longer lets it in."""
        STATS.dropped("signed_out")
        await self._send_error(p.SIGNED_OUT, f"{message.get('why', 'access ended')}; sign in again")
        await self.close(code=p.CLOSE_SIGNED_OUT)

    async def stream_unavailable(self, message: dict) -> None:
        """Posted by the process's Redis watch: Redis is gone, so this socket goes too."""
        await self._unavailable()

    # --- helpers -----------------------------------------------------------------------------

    async def _apply(self, changes: GroupChanges) -> None:
        if self.subs.overview_group in changes.join:
            await self._start_merger()
        for group in changes.join:
            await self.channel_layer.group_add(group, self.channel_name)
        for group in changes.leave:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def _start_merger(self) -> None:
        """This process's merger, running and in every host's group, before screens rely on it."""
        await ensure_merger(
            self.channel_layer, self.reader, self.rounds.hold_s, self.rounds.quiet_s
        )

    async def _send_round(self, texts: list[str], oldest: float) -> None:
        await self.send(text_data=frames.samples(texts))
        STATS.sent(len(texts), oldest)

    async def _restart(self, epoch: str) -> None:
        """The store started over (a new Redis): seqs restarted, so tell the client to reset."""
        self.epoch = epoch
        self.subs.restart_positions()
        self.rounds.reset()
        await self.send(text_data=self._hello(sorted(self.subs.hosts)))

    async def _send_backfill(self, host: str, stored: list[tuple[str, int]]) -> None:
        if not stored:
            return
        self.subs.backfilled(host, stored[-1][1])
        for frame in frames.backfill([text for text, _ in stored], self.backfill_frame_bytes):
            if not await client_keeps_up(self.unsent_bytes):
                STATS.dropped("too_slow")
                await self.close(code=p.CLOSE_TOO_SLOW)
                return
            await self.send(text_data=frame)
            STATS.frames += 1
        STATS.samples += len(stored)

    def _hello(self, hosts: list[str]) -> str:
        return frames.hello(
            self.epoch, hosts, settings.MONITOR_INTERVAL, settings.MONITOR_RECENT_SECONDS
        )

    async def _send_error(self, code: str, message: str) -> None:
        await self.send(text_data=frames.error(code, message))

    async def _unavailable(self) -> None:
        STATS.dropped("redis_unavailable")
        await self._send_error(p.UNAVAILABLE, "the sample store is unreachable; reconnect later")
        await self.close(code=p.CLOSE_UNAVAILABLE)
