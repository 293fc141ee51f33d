"""Clients as a person's browser would be: a signed-in session, a WebSocket with its cookie."""

import asyncio
import http.cookiejar
import json
import re
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


async def next_message(ws: ClientConnection, wait: float = 10) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), wait))


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
