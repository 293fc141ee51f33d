"""`serve web`: Daphne with the stream's patches, in one process or in a group of
``MONITOR_WEB_PROCESSES`` sharing one address through SO_REUSEPORT (each process runs one event
loop, so one core). If one member exits the group stops and exits, for its supervisor to restart.

The last argument is the application (``module:attribute``), as for Daphne itself.
"""

import os
import signal
import socket
import subprocess
import sys

from daphne.cli import CommandLineInterface

from core.env import SettingError, env_int
from dashboards.stream.web_server import patch_daphne, settle_garbage_collector

# A reconnect storm (every wall screen coming back after a restart) lands thousands of SYNs in a
# second; Twisted's default backlog of 50 reset most of them while the loop was busy with the
# first handshakes. The kernel caps it at net.core.somaxconn.
LISTEN_BACKLOG = 4096
# Set in the processes of a group: each one listens through its own SO_REUSEPORT socket.
GROUP_MEMBER_ENV = "MONITOR_WEB_GROUP_MEMBER"


def listening_socket(host: str, port: int, shared: bool) -> socket.socket:
    """A listening socket with a deep backlog; ``shared``: other processes of the group can bind
    the same address (SO_REUSEPORT), otherwise a second server on it fails to start."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(LISTEN_BACKLOG)
    return sock


def listen(argv: list[str], shared: bool) -> tuple[list[str], socket.socket]:
    """``argv`` with ``--bind H --port P`` replaced by a socket of this process's own."""
    argv = list(argv)
    host = argv.pop(argv.index("--bind") + 1)
    argv.remove("--bind")
    port = int(argv.pop(argv.index("--port") + 1))
    argv.remove("--port")
    sock = listening_socket(host, port, shared)
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
            [sys.executable, "-m", "runner.web", *argv],
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
    # The socket object stays referenced (so open) while Daphne serves from its descriptor.
    argv, _listening = listen(argv, shared=GROUP_MEMBER_ENV in os.environ)
    patch_daphne()
    settle_garbage_collector(argv[-1])
    CommandLineInterface().run(argv)


if __name__ == "__main__":
    main()
