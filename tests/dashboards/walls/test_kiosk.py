"""Kiosk tokens: the model, `manage.py kiosk`, /k/<secret>/ and the admin's revoke action."""

import hashlib
import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from dashboards.access import signals
from dashboards.fleet.models import Host
from dashboards.stream.log_filters import mask_kiosk_secrets
from dashboards.walls.kiosks import create_kiosk, digest
from dashboards.walls.models import KioskToken

pytestmark = pytest.mark.django_db

URL = re.compile(r"\Ahttps?://[^/\s]+/k/(k_[A-Za-z0-9_-]{43})/\Z")


@pytest.fixture
def announced(monkeypatch) -> list[dict]:
    """What is announced on the access channel (every web process would close those sockets)."""
    seen: list[dict] = []
    monkeypatch.setattr(signals, "announce", lambda **message: seen.append(message))
    return seen


def kiosk(*args: str) -> list[str]:
    out = io.StringIO()
    call_command("kiosk", *args, stdout=out)
    return out.getvalue().splitlines()


def secret_of(lines: list[str]) -> str:
    match = URL.match(lines[-1])
    assert match, lines
    return match.group(1)


def test_create_prints_an_absolute_url_on_its_last_line_that_shows_the_dashboard(settings):
    settings.MONITOR_EXTERNAL_URL = "https://noc.example.com"
    lines = kiosk("create", "--dashboard", "fleet", "--name", "NOC left")
    assert lines[-1].startswith("https://noc.example.com/k/k_")
    response = Client().get(URL.match(lines[-1]).group(0).removeprefix("https://noc.example.com"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="page-dashboard kiosk"' in html
    assert f'data-ws-path="/ws/kiosk/{secret_of(lines)}/"' in html


def test_the_secret_is_kept_only_as_its_hash():
    token, secret = create_kiosk("fleet", "NOC left")
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest() == digest(secret)
    assert token.start == secret[:10] and len(secret) >= 40
    stored = KioskToken.objects.filter(pk=token.pk).values().get()
    assert secret not in {str(value) for value in stored.values()}


def test_two_tokens_are_never_alike():
    secrets = {create_kiosk("fleet", f"screen {n}")[1] for n in range(20)}
    assert len(secrets) == 20


def test_create_refuses_an_unknown_dashboard_a_taken_name_a_past_date_or_playlist():
    kiosk("create", "--dashboard", "fleet", "--name", "NOC left")
    refusals = {
        ("--dashboard", "nope"): "no dashboard 'nope'",
        ("--dashboard", "fleet", "--name", "NOC left"): "named 'NOC left' already",
        ("--dashboard", "fleet", "--until", "2001-01-01"): "has passed",
        ("--dashboard", "fleet", "--until", "next week"): "not a date",
        ("--dashboard", "fleet", "--playlist", "night"): "no playlist 'night'",
        ("--name", "bare"): "give --dashboard SLUG, --playlist NAME, or both",
    }
    for args, why in refusals.items():
        with pytest.raises(CommandError, match=why):
            kiosk("create", *args)
    assert KioskToken.objects.count() == 1


def test_a_token_without_an_end_date_never_expires_and_one_with_it_ends_that_day():
    forever = secret_of(kiosk("create", "--dashboard", "fleet", "--name", "forever"))
    day = (timezone.localdate() + timedelta(days=2)).isoformat()
    until = secret_of(kiosk("create", "--dashboard", "fleet", "--name", "until", "--until", day))
    assert KioskToken.objects.get(name="forever").expires_at is None
    assert Client().get(f"/k/{until}/").status_code == 200
    KioskToken.objects.filter(name="until").update(expires_at=timezone.now())
    response = Client().get(f"/k/{until}/")
    assert response.status_code == 404 and b"Unknown screen" in response.content
    assert Client().get(f"/k/{forever}/").status_code == 200


def test_an_unknown_token_is_a_plain_unknown_screen_page():
    for path in ("/k/k_nothing-like-a-real-one/", "/k/whatever/", "/k/" + "k_" + "a" * 300 + "/"):
        response = Client().get(path)
        assert response.status_code == 404
        assert b"Unknown screen" in response.content and b"<form" not in response.content


def test_revoking_shows_the_revoked_page_and_announces_it(
    announced, django_capture_on_commit_callbacks
):
    secret = secret_of(kiosk("create", "--dashboard", "fleet", "--name", "NOC left"))
    token = KioskToken.objects.get(name="NOC left")
    with django_capture_on_commit_callbacks(execute=True):
        lines = kiosk("revoke", "NOC left")
    assert "revoked" in lines[-1]
    assert announced == [{"kiosk_id": token.pk, "why": "this screen was revoked"}]
    response = Client().get(f"/k/{secret}/")
    assert response.status_code == 410
    html = response.content.decode()
    assert "This screen was revoked" in html
    assert "<form" not in html and "login" not in html.lower() and "ws/kiosk" not in html
    assert kiosk("revoke", "NOC left")[-1].endswith("was revoked already")
    with pytest.raises(CommandError, match="no kiosk named 'nope'"):
        kiosk("revoke", "nope")


def test_a_save_that_revokes_or_a_delete_announces_it(
    announced, django_capture_on_commit_callbacks
):
    token, _ = create_kiosk("fleet", "NOC left")
    with django_capture_on_commit_callbacks(execute=True):
        token.name = "NOC left wall"
        token.save()
        assert announced == []  # a save that revokes nothing announces nothing
        token.revoked_at = timezone.now()
        token.save()
    assert announced == [{"kiosk_id": token.pk, "why": "this screen was revoked"}]
    kiosk_id = token.pk
    token.delete()
    assert announced[-1] == {"kiosk_id": kiosk_id, "why": "this screen was deleted"}


def test_the_kiosk_page_needs_no_session_and_shows_nothing_to_click():
    Host.objects.create(name="alpha")
    secret = create_kiosk("fleet", "NOC left")[1]
    response = Client().get(f"/k/{secret}/")
    html = response.content.decode()
    assert response.status_code == 200 and '"alpha"' in html
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert 'data-can-respond="false"' in html
    for chrome in ('class="nav"', "Log out", "enable-sound", "download the layout", "brand"):
        assert chrome not in html


def test_a_signed_in_person_on_a_kiosk_url_is_still_a_kiosk():
    person = User.objects.create_user("boss", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(person)
    html = client.get(f"/k/{create_kiosk('fleet', 'NOC left')[1]}/").content.decode()
    assert 'data-can-respond="false"' in html and "Log out" not in html and "boss" not in html


def test_kiosk_on_a_dashboard_hides_the_chrome_for_a_person_too():
    client = Client()
    client.force_login(User.objects.create_user("viewer"))
    plain = client.get("/d/fleet/").content.decode()
    kiosk_mode = client.get("/d/fleet/?kiosk").content.decode()
    assert "Log out" in plain and 'class="nav"' in plain
    assert "Log out" not in kiosk_mode and 'class="nav"' not in kiosk_mode
    assert "kiosk" in re.search(r'<body class="([^"]*)"', kiosk_mode).group(1)
    assert 'data-ws-path="/ws/live/"' in kiosk_mode  # a person's socket, their session's


def test_a_dashboard_without_tiles_opens_the_kiosk_socket_too():
    from dashboards.walls.models import Dashboard

    panel = {"id": "t", "type": "text", "x": 0, "y": 0, "w": 2, "h": 2, "text": "Welcome"}
    Dashboard.objects.create(slug="lobby", title="Lobby", layout={"schema": 1, "panels": [panel]})
    secret = create_kiosk("lobby", "lobby")[1]
    response = Client().get(f"/k/{secret}/")
    html = response.content.decode()
    assert response.status_code == 200 and "Welcome" in html  # a text panel with `text` alone
    assert "js/pages/dashboard.js" in html and f'data-ws-path="/ws/kiosk/{secret}/"' in html


def test_last_seen_is_written_at_most_once_a_minute():
    token, secret = create_kiosk("fleet", "NOC left")
    Client().get(f"/k/{secret}/")
    first = KioskToken.objects.get(pk=token.pk).last_seen_at
    assert first is not None
    Client().get(f"/k/{secret}/")
    assert KioskToken.objects.get(pk=token.pk).last_seen_at == first


def test_list_shows_names_starts_and_states_never_secrets():
    secret = secret_of(kiosk("create", "--dashboard", "fleet", "--name", "NOC left"))
    kiosk("create", "--dashboard", "fleet", "--name", "lobby")
    kiosk("revoke", "lobby")
    lines = kiosk("list")
    by_name = {line.split("\t")[0]: line for line in lines}
    assert "\trevoked " in by_name["lobby"]
    assert by_name["NOC left"] == f"NOC left\t{secret[:10]}…\tfleet\tactive\tseen never"
    assert secret not in "\n".join(lines)


def test_the_admin_lists_and_revokes_but_cannot_add(announced, django_capture_on_commit_callbacks):
    create_kiosk("fleet", "NOC left")
    token = KioskToken.objects.get()
    client = Client()
    client.force_login(User.objects.create_user("boss", is_staff=True, is_superuser=True))
    assert "NOC left" in client.get("/admin/walls/kiosktoken/").content.decode()
    assert client.get("/admin/walls/kiosktoken/add/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/walls/kiosktoken/", {"action": "revoke", "_selected_action": [token.pk]}
        )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert announced == [{"kiosk_id": token.pk, "why": "this screen was revoked"}]


def test_secrets_are_masked_in_log_lines():
    secret = "k_" + "A1b2C3d4E5f6" * 4
    line = f'127.0.0.1 - - "GET /k/{secret}/" 200 / "WSCONNECT /ws/kiosk/{secret}/"'
    masked = mask_kiosk_secrets(line)
    assert secret not in masked
    assert f"/k/{secret[:10]}…/" in masked and f"/ws/kiosk/{secret[:10]}…/" in masked


def test_daphnes_access_log_shows_kiosk_addresses_without_their_secret():
    from daphne.access import AccessLogGenerator

    from dashboards.stream.web_server import mask_access_log

    mask_access_log()
    mask_access_log()  # twice is once
    out = io.StringIO()
    secret = create_kiosk("fleet", "NOC left")[1]
    AccessLogGenerator(out)(
        "websocket", "connecting", {"client": "1.2.3.4:5", "path": f"/ws/kiosk/{secret}/"}
    )
    assert secret not in out.getvalue() and f"/ws/kiosk/{secret[:10]}…/" in out.getvalue()
