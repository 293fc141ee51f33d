"""Daphne, with a bound on what one slow client can make the server hold, in one or more processes.

Daphne hands every frame to Twisted, which buffers whatever the kernel will not take yet, without
limit: a screen that stops reading (a frozen tab, a stalled laptop) would grow the server's memory
until its ping times out. A client whose backlog stays above the bound for a while (a backfill
burst drains in well under a second; a stalled reader does not) is closed with 4008 and dropped,
and the drop is counted; the other clients never wait for it.
"""

import gc
import os
import signal
import socket
import subprocess
import sys
import time

from daphne import ws_protocol
from daphne.cli import CommandLineInterface

from monitor.env import SettingError, env_int

BUFFER_BOUND_BYTES = 4 * 1024 * 1024
BUFFER_GRACE_S = 10.0
BUFFER_HARD_LIMIT_BYTES = 64 * 1024 * 1024
CLOSE_TOO_SLOW = 4008
LISTEN_BACKLOG = 2048
# Set in the processes of a group: each one listens through its own SO_REUSEPORT socket.
GROUP_MEMBER_ENV = "MONITOR_WEB_GROUP_MEMBER"


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


def settle_garbage_collector() -> None:
    """Keep full collections off the long-lived heap: with thousands of sockets each one stalled
    every client at once (py-spy: about a quarter of the CPU, pauses up to 280 ms)."""
    import monitor.asgi  # noqa: F401 - Django, the app and every module: what lives forever

    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young * 10, middle, 100)


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A listening socket that other processes of the group can bind to the same address."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(LISTEN_BACKLOG)
    return sock


def listen_on_shared_port(argv: list[str]) -> tuple[list[str], socket.socket]:
    """``argv`` with ``--bind H --port P`` replaced by this process's SO_REUSEPORT socket."""
    argv = list(argv)
    host = argv.pop(argv.index("--bind") + 1)
    argv.remove("--bind")
    port = int(argv.pop(argv.index("--port") + 1))
    argv.remove("--port")
    sock = reuse_port_socket(host, port)
    endpoint = f"fd:fileno={sock.fileno()}"
    if sock.family == socket.AF_INET6:
        _accept_named_fd_domains()
        endpoint += ":domain=INET6"
    return ["--endpoint", endpoint, *argv], sock


def _accept_named_fd_domains() -> None:
    """Twisted's ``fd:`` endpoint hands its ``domain=`` text on as the address family itself
    (it only works for the AF_INET default); give it the socket module's constant instead."""
    from twisted.plugins import fd_endpoint

    parse = fd_endpoint._FDParser._parseServer

    def parse_named_domain(self, reactor, fileno, domain=socket.AF_INET):
        if isinstance(domain, str):
            domain = getattr(socket, f"AF_{domain}")
        return parse(self, reactor, fileno, domain)

    fd_endpoint._FDParser._parseServer = parse_named_domain


def run_group(argv: list[str], size: int) -> int:
    """Run ``size`` server processes on one address until one exits or a signal stops them all."""
    members = [
        subprocess.Popen(
            [sys.executable, "-m", "monitor.web_server", *argv],
            env={**os.environ, GROUP_MEMBER_ENV: str(index)},
        )
        for index in range(size)
    ]

    def stop_members(signum: int, frame: object = None) -> None:
        for member in members:
            if member.poll() is None:
                member.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop_members)
    signal.signal(signal.SIGINT, stop_members)
    pid, status = os.wait()  # the first member to exit ends the group
    stop_members(signal.SIGTERM)
    for member in members:
        if member.pid != pid:
            try:
                member.wait(10)
            except subprocess.TimeoutExpired:
                member.kill()
                member.wait()
    return os.waitstatus_to_exitcode(status)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    try:
        size = env_int("MONITOR_WEB_PROCESSES", 1, minimum=1, maximum=64)
    except SettingError as exc:
        sys.exit(f"configuration error: {exc}")
    if size > 1 and GROUP_MEMBER_ENV not in os.environ:
        sys.exit(run_group(argv, size))
    if GROUP_MEMBER_ENV in os.environ:
        # The socket object stays referenced (so open) while Daphne serves from its descriptor.
        argv, _listening = listen_on_shared_port(argv)
    ws_protocol.WebSocketFactory.protocol = BoundedWebSocketProtocol
    write_at_once()
    settle_garbage_collector()
    CommandLineInterface().run(argv)


if __name__ == "__main__":
    main()
