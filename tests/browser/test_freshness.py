"""Freshness the page can trust: a frozen web server (SIGSTOP) shows as a stalled socket, the
host's uptime stops counting and every panel's data age turns amber then red; once the server
runs again, one new socket brings the page back to live."""

import os
import signal
import socket

import pytest

from tests.browser.conftest import save_artifact
from tests.live.stack import Stack, running_stack

pytestmark = [pytest.mark.browser, pytest.mark.live]
HOST = socket.gethostname()
PANEL = '[data-panel-age="cpu"]'

# Every state the cpu panel's age and the host badge pass through, however briefly: the test
# asserts what was seen, not what is there at the moment it looks.
WATCH_STATES = """() => {
  window.__seen = { panel: new Set(), badge: new Set() };
  const panel = document.querySelector('[data-panel-age="cpu"]');
  const badge = document.getElementById("host-status");
  const note = () => {
    window.__seen.panel.add(panel.dataset.state);
    window.__seen.badge.add(badge.dataset.fresh);
  };
  new MutationObserver(note).observe(panel, { attributes: true });
  new MutationObserver(note).observe(badge, { attributes: true });
}"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory, test_redis, redis_prefix):
    workdir = tmp_path_factory.mktemp("freshness")
    with running_stack(workdir, test_redis.url, f"{redis_prefix}-freshness") as running:
        yield running


def sign_in(page, stack: Stack, path: str) -> None:
    stack.sign_in(page, path)


def test_a_frozen_web_server_shows_as_stalled_and_one_new_socket_recovers(page, stack):
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    sign_in(page, stack, f"/hosts/{HOST}/")
    page.wait_for_selector('#connection-status[data-state="live"]', timeout=30000)
    page.wait_for_selector(f'{PANEL}[data-state="fresh"]', timeout=30000)
    page.wait_for_selector('#host-status[data-status="up"]', timeout=30000)
    page.wait_for_selector("#stream-latency:not([hidden])", timeout=30000)
    assert page.text_content("#stream-latency").startswith("e2e ")
    opened = len(sockets)
    page.evaluate(WATCH_STATES)

    web = stack.processes["web"]
    os.killpg(web.pid, signal.SIGSTOP)
    try:
        page.wait_for_function(
            "() => window.monitor.socket.stateLog.includes('stalled')", timeout=30000
        )
        page.wait_for_function("() => window.__seen.panel.has('late')", timeout=30000)
        page.wait_for_function("() => window.__seen.panel.has('stale')", timeout=30000)
        page.wait_for_selector('#host-status[data-fresh="stale"]', timeout=30000)
        assert page.text_content("#host-status .badge-text") == "UP?"
        assert page.text_content("#host-status .badge-since").startswith("no data for ")
        assert page.get_attribute("#connection-status", "data-state") != "live"
        save_artifact(page, "dashboard-frozen-server.png")
    finally:
        os.killpg(web.pid, signal.SIGCONT)

    page.wait_for_function(
        "() => window.monitor.state() === 'live' && window.monitor.socket.connects >= 2",
        timeout=60000,
    )
    page.wait_for_selector(f'{PANEL}[data-state="fresh"]', timeout=30000)
    page.wait_for_selector('#host-status[data-fresh="fresh"]', timeout=30000)
    assert page.text_content("#host-status .badge-text") == "UP"
    assert len(sockets) == opened + 1, sockets
    save_artifact(page, "dashboard-after-freeze.png")
    assert page.errors == []


def test_every_tile_shows_its_data_age_and_the_latency_shows_in_the_header(page, stack):
    sign_in(page, stack, "/")
    tile = f'.tile[data-host="{HOST}"]'
    page.wait_for_selector(f'{tile} .tile-age[data-state="fresh"]', timeout=30000)
    assert page.text_content(f"{tile} .tile-age").endswith("s")
    page.wait_for_selector("#stream-latency:not([hidden])", timeout=30000)
    assert page.evaluate("window.monitor.latency()") is not None
    save_artifact(page, "overview-freshness.png")
    assert page.errors == []
