"""Issue 9's list of what got through, tried again against `manage.py launch` (what `make run`
runs), as a new user would: prints each attempt and the count let through.

    .venv/bin/python -m bench.access_probe

The test suite holds each of these (tests/dashboards/access/, tests/live/test_pipeline.py,
tests/live/test_proxy.py); this is the same list in one run against the product itself.
"""

import asyncio
import http.cookiejar
import json
import re
import socket
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import websockets

from tests.live.clients import close_code_after, login, masked_frame
from tests.live.launched import Launched
from tests.live.stack import PASSWORD

VIEWER_PASSWORD = "correct-horse-battery-9"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
INPUTS = {  # what crashed the handler before, and the answer each must get now
    "deep JSON": ("[" * 2000 + "]" * 2000, "bad_json"),
    "400-digit backfill_s": ('{"type":"subscribe","hosts":"*","backfill_s":1' + "0" * 400 + "}",
                             "subscribed"),
    "400-digit since": ('{"type":"subscribe","hosts":"*","since":{"vm":1' + "0" * 400 + "}}",
                        "bad_field"),
    "host vm\\n": ('{"type":"subscribe","hosts":["vm\\n"]}', "bad_field"),
    "NaN backfill_s": ('{"type":"subscribe","backfill_s":NaN}', "bad_field"),
}  # fmt: skip
FOREIGN_ORIGINS = ("http://127.0.0.1:9999", "null", "http://evil.example", "http://127.0.0.1")
TRAVERSALS = (
    "/static/%2e%2e/%2e%2e/monitor/settings.py",
    "/static/..%2f..%2fmonitor/settings.py",
    "/static/plotly/..%2f..%2f..%2fsetup.cfg",
)


class Probe:
    def __init__(self, product: Launched) -> None:
        self.product = product
        self.base = product.base_url
        self.ws_url = product.ws_url
        self.results: list[tuple[str, bool, str]] = []

    def record(self, what: str, ok: bool, detail: str = "") -> None:
        self.results.append((what, ok, detail))
        print(("ok            " if ok else "LET THROUGH   ") + what, detail, flush=True)

    def get(self, path: str, headers: dict | None = None, data: bytes | None = None):
        request = urllib.request.Request(self.base + path, headers=headers or {}, data=data)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def raw_socket(self, cookie: str) -> socket.socket:
        port = self.product.stack.port
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(
            (
                f"GET /ws/live/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                f"Origin: {self.base}\r\nCookie: {cookie}\r\n\r\n"
            ).encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(1)
        assert head.startswith(b"HTTP/1.1 101"), head
        time.sleep(0.3)  # let the hello arrive, then drop it
        sock.recv(65536)
        return sock

    async def socket(self, cookie: str, **kwargs):
        ws = await websockets.connect(
            self.ws_url, origin=self.base, additional_headers={"Cookie": cookie}, **kwargs
        )
        await ws.recv()  # hello
        return ws

    @staticmethod
    async def close_code(ws) -> int | None:
        try:
            while True:
                await asyncio.wait_for(ws.recv(), 10)
        except (websockets.ConnectionClosed, TimeoutError):
            pass
        return ws.close_code

    async def inputs(self, cookie: str) -> None:
        for name, (text, expected) in INPUTS.items():
            ws = await self.socket(cookie)
            await ws.send(text)
            answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
            await ws.send('{"type":"ping"}')
            while json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] != "pong":
                pass  # still usable: the pong comes
            await ws.close()
            got = answer.get("code", answer["type"])
            self.record(f"socket input: {name}", got == expected, got)

    async def frames(self, cookie: str) -> None:
        sock = self.raw_socket(cookie)
        sock.sendall(masked_frame(b"x" * 65536, declared=5 << 20))
        code = close_code_after(sock)
        self.record("socket: a 5 MiB message", code == 1009, f"close {code}")
        sock = self.raw_socket(cookie)
        sock.sendall(masked_frame(b'{"type":"\xff"}'))
        code = close_code_after(sock)
        self.record("socket: text that is not UTF-8", code == 1007, f"close {code}")
        ws = await self.socket(cookie, max_size=None)
        await ws.send(b"\0" * (1 << 20))
        code = await self.close_code(ws)
        self.record("socket: a 1 MiB binary frame", code == 4413, f"close {code}")

    async def origins(self, cookie: str) -> None:
        secure_same_host = self.base.replace("http://", "https://")
        for origin in (*FOREIGN_ORIGINS, secure_same_host):
            try:
                ws = await websockets.connect(
                    self.ws_url, origin=origin, additional_headers={"Cookie": cookie}
                )
            except websockets.InvalidStatus as exc:
                status = exc.response.status_code
                self.record(f"origin {origin}", status == 403, str(status))
            else:
                await ws.close()
                self.record(f"origin {origin}", False, "opened")

    async def sessions(self, cookie: str) -> None:
        ws = await self.socket(cookie)
        token = CSRF.search(self.get("/", {"Cookie": cookie})[2].decode())[1]
        started = time.monotonic()
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": token}).encode()
        headers = {"Cookie": cookie, "Origin": self.base}
        self.get("/accounts/logout/", headers, form)
        code = await self.close_code(ws)
        took = time.monotonic() - started
        self.record("logout closes the socket", code == 4401, f"close {code} after {took:.2f} s")

        users = "from django.contrib.auth.models import User"
        self.product.stack.shell(
            f"{users}; User.objects.create_user('viewer', password='{VIEWER_PASSWORD}')"
        )
        ws = await self.socket(login(self.base, "viewer", VIEWER_PASSWORD))
        started = time.monotonic()
        self.product.stack.shell(
            f"{users}; u = User.objects.get(username='viewer'); u.is_active = False; u.save()"
        )
        code = await self.close_code(ws)
        took = time.monotonic() - started
        self.record(
            "deactivation closes the socket",
            code == 4401,
            f"close {code} after {took:.2f} s (manage.py shell's start included)",
        )

    def sign_in(self, path: str, password: str) -> int:
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        token = CSRF.search(opener.open(self.base + path, timeout=10).read().decode())[1]
        form = urllib.parse.urlencode(
            {"username": "admin", "password": password, "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(self.base + path, data=form, headers={"Origin": self.base})
        try:
            return opener.open(request, timeout=10).status
        except urllib.error.HTTPError as exc:
            return exc.code

    def throttling(self) -> None:
        for path in ("/accounts/login/", "/admin/login/"):
            wrong = {self.sign_in(path, "wrong-guess") for _ in range(50)}
            right = self.sign_in(path, PASSWORD)
            self.record(
                f"50 wrong passwords, then the right one, on {path}",
                right == 429,
                f"the right one -> {right}; the wrong ones -> {sorted(wrong)}",
            )

    def http(self) -> None:
        for path in TRAVERSALS:
            status = self.get(path)[0]
            self.record(f"static {path}", status == 404, str(status))
        _, headers, _ = self.get("/accounts/login/")
        policy = headers.get("Content-Security-Policy", "")
        self.record("Content-Security-Policy on pages", "script-src 'self'" in policy)
        permissions = headers.get("Permissions-Policy", "")
        self.record("Permissions-Policy on pages", "camera=()" in permissions)
        _, _, body = self.get("/healthz")
        self.record("anonymous /healthz: its status only", set(json.loads(body)) == {"status"})
        status = self.get("/metrics")[0]
        self.record("anonymous /metrics refused", status == 401, str(status))

    async def run(self) -> int:
        cookie = login(self.base, "admin", PASSWORD)
        await self.inputs(cookie)
        await self.frames(cookie)
        await self.origins(cookie)
        self.http()
        await self.sessions(cookie)  # signs the admin out: last of those that use the cookie
        self.throttling()
        let_through = [r for r in self.results if not r[1]]
        print(f"\ntried {len(self.results)}, let through {len(let_through)}")
        return 1 if let_through else 0


def main() -> int:
    product = Launched(Path(tempfile.mkdtemp(prefix="bench-access-"))).start()
    try:
        return asyncio.run(Probe(product).run())
    finally:
        product.stop()


if __name__ == "__main__":
    sys.exit(main())
