"""Every URL and the socket, for every kind of visitor: the answer each one gets, through the
real ASGI application (static files, origin check, sessions, auth, views) with real sessions.

The table below is the one docs/security.md shows; a test holds the two together.
"""

import json
import re
from pathlib import Path

import pytest
from asgiref.testing import ApplicationCommunicator
from channels.testing import WebsocketCommunicator
from django.test import Client

from dashboards.fleet.models import Host

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("live_settings")]

DOC = Path(__file__).resolve().parents[3] / "docs" / "security.md"
PASSWORD = "correct-horse-battery-9"
SITE = "http://127.0.0.1:8000"

WHO = (
    "anonymous",
    "viewer",
    "staff",
    "admin",
    "inactive user",
    "signed-out session",
    "forged cookie",
    "kiosk screen",  # a wall browser with only its kiosk URL: no session, nothing more
)


def row(*answers: str) -> dict[str, str]:
    """Answers for the people; a kiosk screen has no session, so it gets the anonymous one."""
    return dict(zip(WHO, (*answers, answers[0]), strict=True))


def same(answer: str) -> dict[str, str]:
    return dict.fromkeys(WHO, answer)


SIGNED_IN = row("login", "200", "200", "200", "login", "login", "login")
# (what is asked, extra request headers) -> answer per visitor.
MATRIX: dict[str, dict[str, str]] = {
    "GET /": SIGNED_IN,
    "GET /hosts/alpha/": SIGNED_IN,
    "GET /hosts/nothere/": row("login", "404", "404", "404", "login", "login", "login"),
    "GET /alerts/": SIGNED_IN,
    "GET /alerts/999/": row("login", "404", "404", "404", "login", "login", "login"),
    "GET /d/fleet/": SIGNED_IN,
    "GET /d/fleet/layout.json": SIGNED_IN,
    "GET /d/nothere/": row("login", "404", "404", "404", "login", "login", "login"),
    "GET /d/fleet/editor.json": row("login", "403", "403", "200", "login", "login", "login"),
    "GET /p/wallplay/": SIGNED_IN,
    "GET /screens/": row("login", "403", "403", "200", "login", "login", "login"),
    "GET /screens/screens.json": row("login", "403", "403", "200", "login", "login", "login"),
    # Without the page's CSRF token, refused before any view (roles: tests/dashboards/alerts).
    "POST /alerts/999/ack": same("403"),
    "POST /alerts/silences/": same("403"),
    "POST /d/fleet/layout.json": same("403"),  # roles: tests/dashboards/walls
    "POST /screens/1/reload": same("403"),  # roles: tests/dashboards/screens
    "GET /accounts/login/": same("200"),
    "POST /accounts/login/ from another origin": same("403"),
    "GET /admin/": row(*["admin login"] * 2, "200", "200", *["admin login"] * 3),
    "GET /admin/auth/user/": row(*["admin login"] * 2, "403", "200", *["admin login"] * 3),
    "GET /healthz": row("status", "status", "details", "details", "status", "status", "status"),
    "GET /healthz with the metrics token": same("details"),
    "GET /metrics": row("401", "401", "200", "200", "401", "401", "401"),
    "GET /metrics with the metrics token": same("200"),
    "GET /metrics with a wrong token": same("401"),
    # The API: JSON errors, never a login redirect (tests/dashboards/api for tokens and roles).
    "GET /api/hosts": row("401", "200", "200", "200", "401", "401", "401"),
    "GET /api/dashboards": row("401", "200", "200", "200", "401", "401", "401"),
    "GET /api/openapi.json": same("200"),
    "GET /api/docs": same("200"),
    "GET /api/nowhere": same("404"),
    # A session's POST needs the CSRF token (a cookie is there to protect), a script's a token.
    "POST /api/alerts/999/ack": row("401", "403", "403", "403", "403", "403", "403"),
    "POST /api/alertmanager/": row("401", "403", "403", "403", "403", "403", "403"),
    "GET /static/js/stream.js": same("200"),
    "GET /static/%2e%2e/%2e%2e/monitor/settings.py": same("404"),
    "WS /ws/live/": row("403", "open", "open", "open", "403", "403", "403"),
    "WS /ws/live/ from http://127.0.0.1:9999": same("403"),
    "WS /ws/live/ from http://evil.example": same("403"),
    "WS /ws/live/ from null": same("403"),
    "WS /ws/live/ without an Origin": same("403"),
    # A kiosk URL is its own credential, whoever holds it; a session that comes along is
    # ignored (tests/dashboards/walls/test_kiosk.py, tests/dashboards/stream/test_kiosk_socket.py).
    "GET /k/<kiosk-token>/": same("200"),
    "GET /k/<revoked-token>/": same("410"),
    "GET /k/<unknown-token>/": same("404"),
    "WS /ws/kiosk/<kiosk-token>/": same("open"),
    "WS /ws/kiosk/<kiosk-token>/ then ack": same("forbidden"),
    "WS /ws/kiosk/<revoked-token>/": same("4401"),
    "WS /ws/kiosk/<unknown-token>/": same("4401"),
    "WS /ws/kiosk/<kiosk-token>/ from http://evil.example": same("403"),
}


def render() -> str:
    lines = [
        "| request | " + " | ".join(WHO) + " |",
        "|---|" + "---|" * len(WHO),
        *(
            f"| `{ask}` | " + " | ".join(cells[w] for w in WHO) + " |"
            for ask, cells in MATRIX.items()
        ),
    ]
    return "\n".join(lines)


def cookie_for(who: str, django_user_model) -> str | None:
    if who in ("anonymous", "kiosk screen"):
        return None
    if who == "forged cookie":
        return "sessionid=" + "f" * 32
    flags = {
        "viewer": {},
        "staff": {"is_staff": True},
        "admin": {"is_staff": True, "is_superuser": True},
        "inactive user": {},
        "signed-out session": {},
    }[who]
    name = who.replace(" ", "-")
    user = django_user_model.objects.create_user(name, password=PASSWORD, **flags)
    client = Client()
    assert (
        client.post("/accounts/login/", {"username": name, "password": PASSWORD}).status_code == 302
    )
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    if who == "inactive user":
        user.is_active = False
        user.save()
    elif who == "signed-out session":
        client.post("/accounts/logout/")
    return cookie


async def http(app, method: str, path: str, headers: list[tuple[bytes, bytes]]):
    raw_path, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": re.sub("%2e", ".", raw_path), "raw_path": raw_path.encode(),
        "query_string": query.encode(), "root_path": "", "headers": headers,
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
    }  # fmt: skip
    body = b""
    if method == "POST":
        body = b"username=admin&password=whatever"
        headers.append((b"content-type", b"application/x-www-form-urlencoded"))
    instance = ApplicationCommunicator(app, scope)
    await instance.send_input({"type": "http.request", "body": body})
    start = await instance.receive_output(10)
    content = b""
    while True:
        message = await instance.receive_output(10)
        content += message.get("body", b"")
        if not message.get("more_body"):
            break
    return start["status"], dict(start["headers"]), content


def outcome(ask: str, status: int, headers: dict, content: bytes) -> str:
    location = headers.get(b"Location", headers.get(b"location", b"")).decode()
    if status == 302 and location.startswith("/accounts/login/"):
        return "login"
    if status == 302 and location.startswith("/admin/login/"):
        return "admin login"
    if ask.startswith("GET /healthz"):
        return "details" if b'"database"' in content else "status"
    return str(status)


def kiosk_secrets() -> dict[str, str]:
    from dashboards.walls.kiosks import create_kiosk, revoke_kiosks
    from dashboards.walls.models import Dashboard, KioskToken, Playlist

    board = Dashboard.objects.get_or_create(
        slug="kiosked", defaults={"title": "Wall", "layout": {"schema": 1, "panels": []}}
    )[0]
    playlist = Playlist.objects.get_or_create(name="wallplay")[0]
    playlist.entries.get_or_create(dashboard=board, defaults={"seconds": 10})
    revoked = create_kiosk(board.slug, "revoked")[1]
    revoke_kiosks(KioskToken.objects.filter(name="revoked"))
    return {
        "<kiosk-token>": create_kiosk(board.slug, "wall")[1],
        "<revoked-token>": revoked,
        "<unknown-token>": "k_" + "u" * 43,
    }


async def socket_answer(communicator: WebsocketCommunicator, extra: str) -> str:
    """A kiosk socket: "open" at its hello, the close code if it is closed first; "then ack":
    the code of the error its ack gets."""
    if extra == "then ack":
        await communicator.send_json_to({"type": "ack", "id": 999})
    while True:
        output = await communicator.receive_output(10)
        if output["type"] == "websocket.close":
            return str(output.get("code"))
        frame = json.loads(output["text"])
        if extra == "then ack" and frame["type"] == "error":
            return frame["code"]
        if extra != "then ack" and frame["type"] == "hello":
            return "open"


async def ask(app, ask: str, cookie: str | None, token: str, kiosks: dict[str, str]) -> str:
    method, path, *rest = ask.split(" ", 2)
    extra = rest[0] if rest else ""
    for placeholder, secret in kiosks.items():
        path = path.replace(placeholder, secret)
    headers = [(b"host", b"127.0.0.1:8000")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    if extra == "with the metrics token":
        headers.append((b"authorization", f"Bearer {token}".encode()))
    elif extra == "with a wrong token":
        headers.append((b"authorization", b"Bearer not-the-token"))
    if method == "WS":
        origin = {"": SITE, "then ack": SITE, "without an Origin": None}.get(
            extra, extra.removeprefix("from ")
        )
        if origin is not None:
            headers.append((b"origin", origin.encode()))
        communicator = WebsocketCommunicator(app, path, headers=headers)
        connected, _ = await communicator.connect(10)
        answer = "open" if connected else "403"
        if connected and path.startswith("/ws/kiosk/"):
            answer = await socket_answer(communicator, extra)
        await communicator.disconnect()
        return answer
    if extra == "from another origin":
        headers.append((b"origin", b"http://127.0.0.1:9999"))
    return outcome(ask, *await http(app, method, path, headers))


async def test_every_visitor_gets_the_documented_answer_everywhere(django_user_model, settings):
    from asgiref.sync import sync_to_async

    from monitor.asgi import application

    await sync_to_async(Host.objects.create)(name="alpha")
    cookies = {who: await sync_to_async(cookie_for)(who, django_user_model) for who in WHO}
    kiosks = await sync_to_async(kiosk_secrets)()
    metrics_token = settings.MONITOR_METRICS_TOKEN
    got = {
        question: {
            who: await ask(application, question, cookies[who], metrics_token, kiosks)
            for who in WHO
        }
        for question in MATRIX
    }
    wrong = {
        (question, who): (got[question][who], expected)
        for question, cells in MATRIX.items()
        for who, expected in cells.items()
        if got[question][who] != expected
    }
    assert not wrong, f"(got, documented): {wrong}"


def test_docs_security_md_shows_this_table():
    assert render() in DOC.read_text(), "paste into docs/security.md:\n" + render()
