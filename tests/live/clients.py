"""Clients as a person's browser would be: a signed-in session, a WebSocket with its cookie."""

import asyncio
import http.cookiejar
import json
import re
import socket
import time
import urllib.parse
import urllib.request

import websockets
from websockets.asyncio.client import ClientConnection


def login(base_url: str, username: str, password: str) -> str:
    """Sign in through the login form; returns the Cookie header of the new session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base_url}/accounts/login/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    form = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(
        f"{base_url}/accounts/login/", data=form, headers={"Referer": f"{base_url}/accounts/login/"}
    )
    opener.open(request, timeout=10)
    cookies = {cookie.name: cookie.value for cookie in jar}
    assert "sessionid" in cookies, "the login form did not start a session"
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


async def open_socket(ws_url: str, origin: str, cookie: str | None = None) -> ClientConnection:
    headers = {"Cookie": cookie} if cookie else {}
    return await websockets.connect(ws_url, origin=origin, additional_headers=headers)


async def next_message(ws: ClientConnection, wait: float = 10, ticks: bool = False) -> dict:
    """The next frame within ``wait`` seconds; the server's keepalive ``tick`` (sent whenever a
    socket was idle for most of an interval) is skipped unless ``ticks``."""
    deadline = time.monotonic() + wait
    while True:
        left = max(0.01, deadline - time.monotonic())
        message = json.loads(await asyncio.wait_for(ws.recv(), left))
        if ticks or message.get("type") != "tick":
            return message


async def greeted(ws: ClientConnection, wait: float = 10) -> dict:
    """The ``hello`` of a new socket, and the alerts snapshot that always follows it."""
    hello = await next_message(ws, wait)
    assert hello["type"] == "hello", hello
    snapshot = await next_message(ws, wait)
    assert snapshot["type"] == "alerts", snapshot
    return hello


async def live_samples(ws: ClientConnection, count: int, wait: float = 30) -> list[dict]:
    """The next ``count`` live (not backfilled) samples, with the time each arrived."""
    deadline = time.monotonic() + wait
    samples: list[dict] = []
    while len(samples) < count:
        message = await next_message(ws, max(0.1, deadline - time.monotonic()))
        if message["type"] == "samples" and not message.get("backfill"):
            for sample in message["samples"]:
                samples.append({**sample, "received": time.time()})
    return samples


def raw_websocket(stack, cookie: str, receive_buffer: int = 4096) -> socket.socket:
    """A socket that has completed the WebSocket handshake and read nothing after it (a small
    receive buffer: one that stops reading fills it at once)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.connect(("127.0.0.1", stack.port))
    sock.sendall(
        (
            f"GET /ws/live/ HTTP/1.1\r\nHost: 127.0.0.1:{stack.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: {stack.base_url}\r\nCookie: {cookie}\r\n\r\n"
        ).encode()
    )
    response = bytearray()
    while not response.endswith(b"\r\n\r\n"):  # byte by byte: frames follow at once
        response += sock.recv(1)
    assert response.startswith(b"HTTP/1.1 101")
    return sock


def masked_text_frame(text: str) -> bytes:
    return masked_frame(text.encode())


def masked_frame(payload: bytes, opcode: int = 0x1, declared: int | None = None) -> bytes:
    """A client frame (masked, as clients must); ``declared`` claims another payload length."""
    mask = b"\x01\x02\x03\x04"
    size = len(payload) if declared is None else declared
    if size < 126:
        length = bytes([0x80 | size])
    elif size < 65536:
        length = bytes([0x80 | 126]) + size.to_bytes(2, "big")
    else:
        length = bytes([0x80 | 127]) + size.to_bytes(8, "big")
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x80 | opcode]) + length + mask + masked


def close_code_after(sock: socket.socket) -> int | None:
    """Read server frames until the connection ends; the code of the close frame, if one came."""
    sock.settimeout(10)
    data = bytearray()
    try:
        while chunk := sock.recv(1 << 20):
            data += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    position = 0
    while position + 2 <= len(data):
        opcode, length = data[position] & 0x0F, data[position + 1] & 0x7F
        position += 2
        if length >= 126:
            size = 2 if length == 126 else 8
            length = int.from_bytes(data[position : position + size], "big")
            position += size
        if opcode == 0x8:
            return int.from_bytes(data[position : position + 2], "big")
        position += length
    return None
