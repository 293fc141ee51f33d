"""write_at_once (dashboards/stream/web_server.py): frames go straight to the socket, in order,
or are queued."""

import socket

import pytest
from twisted.internet import protocol, tcp

from dashboards.stream.web_server import buffered_bytes, write_at_once


@pytest.fixture
def transport():
    """A Twisted TCP server transport over one end of a socket pair, never run by a reactor."""
    from twisted.internet import reactor  # Daphne's asyncio reactor, installed by its import

    original = tcp.Server.write
    write_at_once()
    ours, theirs = socket.socketpair()
    ours.setblocking(False)
    theirs.settimeout(5)
    server = tcp.Server(ours, protocol.Protocol(), ("peer", 1), None, 1, reactor)
    yield server, theirs
    tcp.Server.write = original
    server.stopReading()
    server.stopWriting()
    ours.close()
    theirs.close()


def drain(server: tcp.Server, peer: socket.socket, expected: int) -> bytes:
    received = bytearray()
    while len(received) < expected:
        received += peer.recv(1 << 20)
        if buffered_bytes(server):
            server.doWrite()  # what the reactor would do once the socket is writable
    return bytes(received)


def test_a_frame_reaches_the_socket_without_waiting_for_the_reactor(transport):
    server, peer = transport
    server.write(b"frame-1")
    assert buffered_bytes(server) == 0
    assert peer.recv(100) == b"frame-1"


def test_what_the_kernel_does_not_take_is_queued_and_later_frames_wait_behind_it(transport):
    server, peer = transport
    big = bytes(range(256)) * 64 * 1024  # 16 MiB: more than any socket buffer takes at once
    server.write(big)
    assert 0 < buffered_bytes(server) < len(big)  # part sent now, the rest queued
    server.write(b"tail")  # must not overtake the queued rest
    assert buffered_bytes(server) > 4
    assert drain(server, peer, len(big) + 4) == big + b"tail"
