"""Wall screens in real headless Chromium: a fresh browser with only its kiosk URL streams, cannot
acknowledge, shows "revoked" once revoked, and streams again after web, Redis and the whole
`make run` restart, with no one signing in."""

import re
import socket

import pytest

from tests.browser.conftest import save_artifact
from tests.live.launched import Launched
from tests.live.stack import running_stack

pytestmark = [pytest.mark.browser, pytest.mark.live]
HOST = socket.gethostname()
URL = re.compile(r"http://\S+/k/k_[A-Za-z0-9_-]+/")


@pytest.fixture(scope="module")
def stack(tmp_path_factory, test_redis, redis_prefix):
    workdir = tmp_path_factory.mktemp("kiosk")
    with running_stack(workdir, test_redis.url, f"{redis_prefix}-kiosk") as running:
        yield running


def create_kiosk(stack, name: str) -> str:
    """The URL `manage.py kiosk create` prints on its last line."""
    last = stack.manage("kiosk", "create", "--dashboard", "fleet", "--name", name).splitlines()[-1]
    assert URL.fullmatch(last), last
    return last


def samples(page) -> int:
    return page.evaluate("() => window.monitor.streamStats.samples")


def wait_for_more_samples(page, than: int, timeout_ms: int = 30000) -> int:
    page.wait_for_function(
        "(than) => window.monitor && window.monitor.streamStats.samples > than",
        arg=than,
        timeout=timeout_ms,
    )
    return samples(page)


def test_a_browser_with_only_the_kiosk_url_streams_read_only(page, stack):
    url = create_kiosk(stack, "NOC left")
    assert page.context.cookies() == []  # a fresh browser: no session
    page.goto(url)
    wait_for_more_samples(page, wait_for_more_samples(page, 0))
    assert page.url == url  # never sent to the login page
    assert page.evaluate("document.body.classList.contains('kiosk')")
    assert page.locator(".nav, form.logout, #enable-sound, .brand").count() == 0
    save_artifact(page, "kiosk.png")

    # The page's own socket, asked to acknowledge: refused, and it keeps streaming.
    page.evaluate(
        """() => {
          window.__refused = null;
          window.monitor.socket.addEventListener("message", (ev) => {
            if (ev.detail.type === "error") window.__refused = ev.detail.code;
          });
          window.monitor.socket.ws.send(JSON.stringify({ type: "ack", id: 1 }));
        }"""
    )
    page.wait_for_function("() => window.__refused !== null", timeout=10000)
    assert page.evaluate("() => window.__refused") == "forbidden"
    wait_for_more_samples(page, samples(page))

    # Nothing else opens with it (the browser holds no session).
    assert page.context.request.get(stack.base_url + "/api/hosts").status == 401
    admin = page.context.request.get(stack.base_url + "/admin/", max_redirects=0)
    assert admin.status == 302 and admin.headers["location"].startswith("/admin/login/")
    assert page.errors == []


def test_revoking_the_token_shows_the_revoked_page_within_5_s(page, stack):
    page.goto(create_kiosk(stack, "lobby"))
    wait_for_more_samples(page, 0)
    stack.manage("kiosk", "revoke", "lobby")
    page.wait_for_selector('body.screen-gone[data-state="revoked"]', timeout=5000)
    assert page.locator("form, input[type=password]").count() == 0
    assert "This screen was revoked" in page.inner_text("h1")
    save_artifact(page, "kiosk-revoked.png")
    assert page.errors == []


def test_a_kiosk_survives_restarts_of_web_redis_and_the_whole_make_run(page, tmp_path):
    launched = Launched(tmp_path / "launch").start()
    try:
        url = create_kiosk(launched.stack, "NOC right")
        page.goto(url)
        wait_for_more_samples(page, 0)
        for role in ("web", "redis"):
            old = launched.kill(role)
            launched.wait_child(role, other_than=old)
            wait_for_more_samples(page, samples(page), timeout_ms=90000)
        launched.stop()
        launched.start()
        # The same page, never reloaded nor signed in, streams from the new processes.
        wait_for_more_samples(page, samples(page), timeout_ms=120000)
        assert page.url == url
        page.reload()
        wait_for_more_samples(page, 0, timeout_ms=30000)
        assert page.url == url
        assert page.errors == []
    finally:
        launched.stop()


def test_a_dashboard_without_tiles_also_learns_of_its_revocation(page, stack):
    stack.shell(
        "from dashboards.walls.models import Dashboard\n"
        "Dashboard.objects.create(slug='lobby-text', title='Lobby', layout={'schema': 1, "
        "'panels': [{'id': 't', 'type': 'text', 'x': 0, 'y': 0, 'w': 4, 'h': 2, 'text': 'hi'}]})"
    )
    last = stack.manage("kiosk", "create", "--dashboard", "lobby-text").splitlines()[-1]
    page.goto(last)
    page.wait_for_function("() => window.monitor && window.monitor.state() === 'live'")
    stack.manage("kiosk", "revoke", "lobby-text")
    page.wait_for_selector('body.screen-gone[data-state="revoked"]', timeout=5000)
    assert page.errors == []
