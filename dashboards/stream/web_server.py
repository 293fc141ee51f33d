"""What the stream needs of Daphne that Daphne does not do: a bound per slow client, frames sent
to the socket at once, each connection's unsent bytes told to its consumer, and a garbage
collector kept off the long-lived heap.

Daphne hands every frame to Twisted, which buffers whatever the kernel will not take yet, without
limit: a screen that stops reading (a frozen tab, a stalled laptop) would grow the server's memory
until its ping times out. A client whose backlog stays above the bound for a while (a backfill
burst drains in well under a second; a stalled reader does not) is closed with 4008 and dropped,
and the drop is counted; the other clients never wait for it. The consumer sees the backlog too
(the ``monitor.backlog`` scope extension) and sends a backfill only as fast as the client reads.
"""

import gc
import importlib
import logging
import time

from daphne import access, server, ws_protocol

from dashboards.stream.log_filters import mask_kiosk_secrets
from dashboards.stream.protocol import CLOSE_TOO_SLOW
from dashboards.stream.stats import STATS

log = logging.getLogger(__name__)

# The ASGI scope extension through which a consumer reads its connection's unsent bytes.
BACKLOG_EXTENSION = "monitor.backlog"

BUFFER_BOUND_BYTES = 4 * 1024 * 1024
BUFFER_GRACE_S = 10.0
BUFFER_HARD_LIMIT_BYTES = 64 * 1024 * 1024
# How long a client dropped as too slow has to read what is in flight and the close frame
# after it, before the connection is cut (autobahn's own close timeout is one second).
TOO_SLOW_CLOSE_WAIT_S = 5.0


def buffered_bytes(transport: object) -> int:
    """Bytes Twisted holds for this connection that the kernel has not taken yet."""
    data = getattr(transport, "dataBuffer", b"")
    return len(data) - getattr(transport, "offset", 0) + getattr(transport, "_tempDataLen", 0)


class BoundedWebSocketProtocol(ws_protocol.WebSocketProtocol):
    over_bound_since: float | None = None

    def serverSend(self, content, binary=False):
        if self.state in (self.STATE_CLOSING, self.STATE_CLOSED):
            # The client is leaving (its close frame crossed this one): nobody will read it, and
            # autobahn would raise "Attempt to send on a closed protocol" into the consumer.
            return
        if self.state == self.STATE_OPEN and self._too_slow(buffered_bytes(self.transport)):
            STATS.dropped("too_slow")
            self._drop_too_slow()
            return
        super().serverSend(content, binary)

    def serverClose(self, code=None):
        if code == CLOSE_TOO_SLOW:  # the consumer found the client does not keep up
            self._drop_too_slow()
        else:
            super().serverClose(code)

    def _drop_too_slow(self) -> None:
        """Close with 4008 right after what the kernel already has in hand: the whole frames
        still waiting in Twisted's queue are discarded (that frees them now), so a client that
        reads at all gets the close frame; one that does not is cut off TOO_SLOW_CLOSE_WAIT_S
        later."""
        transport = self.transport
        queued = getattr(transport, "_tempDataBuffer", None)
        if queued:
            # Each queued chunk is a whole frame, but for the first one when nothing is in
            # flight: write_at_once queues what the kernel left of a frame it took in part.
            in_flight = len(transport.dataBuffer) > transport.offset
            kept = [] if in_flight else queued[:1]
            transport._tempDataBuffer = kept
            transport._tempDataLen = sum(map(len, kept))
        self.closeHandshakeTimeout = TOO_SLOW_CLOSE_WAIT_S
        self.sendClose(code=CLOSE_TOO_SLOW, reason="too slow: the server dropped this client")
        log.info("dropped %s: too slow (what it was sent did not drain), 4008", self._peer())

    def onAutoPingTimeout(self) -> None:
        """A peer that stopped answering pings (gone, or reading nothing) is a drop too."""
        STATS.dropped("unresponsive")
        log.info("dropped %s: no answer to pings", self._peer())
        super().onAutoPingTimeout()

    def _peer(self) -> str:
        address = getattr(self, "client_addr", None)
        return f"{address[0]}:{address[1]}" if address else "a client"

    def _too_slow(self, buffered: int) -> bool:
        if buffered <= BUFFER_BOUND_BYTES:
            self.over_bound_since = None
            return False
        now = time.monotonic()
        if self.over_bound_since is None:
            self.over_bound_since = now
        return buffered > BUFFER_HARD_LIMIT_BYTES or now - self.over_bound_since > BUFFER_GRACE_S


def write_at_once() -> None:
    """Send a frame to the socket at once when nothing is queued before it.

    Twisted queues every write and registers the socket for writing, then sends when the loop
    polls and unregisters it: with the asyncio reactor that is two add/remove_writer calls (and
    their epoll_ctl) per frame, about a tenth of the web process's CPU at 2,000 screens (py-spy).
    asyncio's own transports try the socket first; this does the same, and queues only what the
    kernel does not take (so the slow-client bound above still sees every unsent byte).
    """
    from twisted.internet import tcp

    queue_write = tcp.Server.write

    def write(self, data: bytes) -> None:
        if (
            data
            and type(data) is bytes
            and self.connected
            and not self._writeDisconnected
            and not self.TLS
            and not self._tempDataLen
            and len(self.dataBuffer) == self.offset
        ):
            try:
                sent = self.socket.send(data)
            except OSError:
                sent = 0  # would block, or the connection broke: the queued write finds out
            if sent == len(data):
                return
            data = data[sent:]
        queue_write(self, data)

    tcp.Server.write = write


def settle_garbage_collector(application: str) -> None:
    """Keep full collections off the long-lived heap: with thousands of sockets each one stalled
    every client at once (py-spy: about a quarter of the CPU, pauses up to 280 ms).

    ``application`` is the ``module:attribute`` the server will run; its module is imported first
    (Django, the app and every module: what lives for the life of the process), then frozen.
    """
    importlib.import_module(application.partition(":")[0])

    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young * 10, middle, 100)


def skip_debug_formatting() -> None:
    """Autobahn pretty-prints every connection's settings for a debug log line that is never
    shown: a twentieth of the web process's CPU in a reconnect storm (py-spy)."""
    from autobahn.websocket import protocol

    protocol.pformat = lambda value, *args, **kwargs: "(not formatted)"


def close_with_a_reason() -> None:
    """A client that breaks the WebSocket protocol (a message over the size limit, text that is
    not UTF-8) gets a close frame saying so (1009, 1007) before the connection ends: autobahn's
    default (``failByDrop``) just drops the TCP connection, which a client sees as a reset with
    no reason, contrary to docs/protocol.md."""
    init = ws_protocol.WebSocketFactory.__init__

    def __init__(self, *args, **kwargs) -> None:
        init(self, *args, **kwargs)
        self.setProtocolOptions(failByDrop=False)

    ws_protocol.WebSocketFactory.__init__ = __init__


def tell_consumers_their_backlog() -> None:
    """Every WebSocket scope gets ``extensions["monitor.backlog"]["unsent_bytes"]``: a callable
    returning the bytes of its connection that the kernel has not taken yet (0 once the socket
    is closing: nothing more will be sent, so nobody should wait for it to drain)."""
    create = server.Server.create_application

    def unsent_bytes(protocol) -> int:
        if protocol.state != protocol.STATE_OPEN:
            return 0
        return buffered_bytes(protocol.transport)

    def create_application(self, protocol, scope):
        if scope.get("type") == "websocket":
            backlog = {"unsent_bytes": lambda: unsent_bytes(protocol)}
            scope = {
                **scope,
                "extensions": {**scope.get("extensions", {}), BACKLOG_EXTENSION: backlog},
            }
        return create(self, protocol, scope)

    server.Server.create_application = create_application


def mask_access_log() -> None:
    """Daphne's access log (stdout, written directly, not through logging) shows a kiosk
    screen's address without its secret."""
    if getattr(access.AccessLogGenerator.write_entry, "masks_kiosks", False):
        return
    write_entry = access.AccessLogGenerator.write_entry

    def write_masked(self, host, date, request, *args, **kwargs):
        return write_entry(self, host, date, mask_kiosk_secrets(request), *args, **kwargs)

    write_masked.masks_kiosks = True
    access.AccessLogGenerator.write_entry = write_masked


def patch_daphne() -> None:
    """Every Daphne connection of this process gets the slow-client bound, direct writes and its
    backlog in its scope; the access log masks kiosk secrets."""
    ws_protocol.WebSocketFactory.protocol = BoundedWebSocketProtocol
    write_at_once()
    skip_debug_formatting()
    close_with_a_reason()
    tell_consumers_their_backlog()
    mask_access_log()
