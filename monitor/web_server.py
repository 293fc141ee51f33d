"""Daphne, with a bound on what one slow client can make the server hold.

Daphne hands every frame to Twisted, which buffers whatever the kernel will not take yet, without
limit: a screen that stops reading (a frozen tab, a stalled laptop) would grow the server's memory
until its ping times out. A client whose backlog stays above the bound for a while (a backfill
burst drains in well under a second; a stalled reader does not) is closed with 4008 and dropped,
and the drop is counted; the other clients never wait for it.
"""

import gc
import sys
import time

from daphne import ws_protocol
from daphne.cli import CommandLineInterface

BUFFER_BOUND_BYTES = 4 * 1024 * 1024
BUFFER_GRACE_S = 10.0
BUFFER_HARD_LIMIT_BYTES = 64 * 1024 * 1024
CLOSE_TOO_SLOW = 4008


def buffered_bytes(transport: object) -> int:
    """Bytes Twisted holds for this connection that the kernel has not taken yet."""
    data = getattr(transport, "dataBuffer", b"")
    return len(data) - getattr(transport, "offset", 0) + getattr(transport, "_tempDataLen", 0)


class BoundedWebSocketProtocol(ws_protocol.WebSocketProtocol):
    over_bound_since: float | None = None

    def serverSend(self, content, binary=False):
        if self.state == self.STATE_OPEN and self._too_slow(buffered_bytes(self.transport)):
            from dashboards.stream_stats import STATS

            STATS.dropped("too_slow")
            # The close frame would queue behind everything it has not read, so drop the
            # connection too: that frees the buffer now.
            self.sendClose(code=CLOSE_TOO_SLOW, reason="too slow: the server dropped this client")
            self.dropConnection(abort=True)
            return
        super().serverSend(content, binary)

    def _too_slow(self, buffered: int) -> bool:
        if buffered <= BUFFER_BOUND_BYTES:
            self.over_bound_since = None
            return False
        now = time.monotonic()
        if self.over_bound_since is None:
            self.over_bound_since = now
        return buffered > BUFFER_HARD_LIMIT_BYTES or now - self.over_bound_since > BUFFER_GRACE_S


def settle_garbage_collector() -> None:
    """Keep full collections off the long-lived heap: with thousands of sockets each one stalled
    every client at once (py-spy: about a quarter of the CPU, pauses up to 280 ms)."""
    import monitor.asgi  # noqa: F401 - Django, the app and every module: what lives forever

    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young * 10, middle, 100)


def main(argv: list[str] | None = None) -> None:
    ws_protocol.WebSocketFactory.protocol = BoundedWebSocketProtocol
    settle_garbage_collector()
    CommandLineInterface().run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
