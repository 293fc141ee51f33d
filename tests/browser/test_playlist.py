"""A wall screen's playlist in headless Chromium: three dashboards in turn on one socket and in one
document, the playlist held on a dashboard while it has a firing critical alert, and turning on
once the alert resolves. Kiosk token only: no session anywhere."""

import time

import pytest

from tests.browser.conftest import save_artifact
from tests.live.stack import Stack, simulated_stack

pytestmark = [pytest.mark.browser, pytest.mark.live]

HOST = "sim-001"
RULES = {"rules": [{"name": "sim-cpu", "metric": "cpu.percent", "hosts": [HOST],
                    "op": ">", "warning": 90, "critical": 97, "clear": 50,
                    "summary": "CPU {value}% on {host}"}]}  # fmt: skip
SECONDS = 4  # long enough to read the screen between turns


def panel(panel_id: str, kind: str, x: int, y: int, w: int, h: int, **options) -> dict:
    return {"id": panel_id, "type": kind, "x": x, "y": y, "w": w, "h": h, **options}


BOARDS = {
    "dashboards": [
        {"slug": "wall-hosts", "title": "Wall hosts", "layout": {"schema": 1, "panels": [
            panel("grid", "hosts", 0, 0, 9, 4),
            panel("clock", "clock", 9, 0, 3, 2, tz="UTC"),
            panel("count", "status", 9, 2, 3, 2),
        ]}},
        {"slug": "wall-cpu", "title": "Wall CPU", "layout": {"schema": 1, "panels": [
            panel("cpu", "chart", 0, 0, 8, 4, metric="cpu.percent", hosts=[HOST], window_s=120),
            panel("now", "stat", 8, 0, 4, 2, metric="cpu.percent", host=HOST),
            panel("card", "host", 8, 2, 4, 2, host=HOST),
        ]}},
        {"slug": "wall-notes", "title": "Wall notes", "layout": {"schema": 1, "panels": [
            panel("note", "text", 0, 0, 6, 2, markdown="# On call\n- **Alice** until 18:00"),
            panel("alerts", "alerts", 6, 0, 6, 4, severity="warning"),
        ]}},
    ],
    "playlists": [
        {"name": "noc", "pause_on_critical": True, "entries": [
            {"dashboard": "wall-hosts", "seconds": SECONDS},
            {"dashboard": "wall-cpu", "seconds": SECONDS},
            {"dashboard": "wall-notes", "seconds": SECONDS},
        ]},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def stack(tmp_path_factory, test_redis, redis_prefix):
    def prepare(stack: Stack) -> None:
        stack.import_file("alerts", RULES, "--prune")
        stack.import_file("dashboards", BOARDS)

    workdir = tmp_path_factory.mktemp("playlist")
    with simulated_stack(workdir, test_redis.url, f"{redis_prefix}-playlist", prepare) as stack:
        yield stack


def kiosk_url(stack: Stack, name: str) -> str:
    out = stack.manage("kiosk", "create", "--playlist", "noc", "--name", name)
    return out.strip().splitlines()[-1]


def open_kiosk(browser, url: str):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.errors, page.sockets = [], []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("websocket", lambda ws: page.sockets.append(ws.url))
    page.goto(url)
    page.evaluate("window.__sameDocument = true")
    page.wait_for_function("() => window.monitor && window.monitor.state() === 'live'")
    return context, page


def boards_seen(page, until, timeout_s: float) -> list[str]:
    """The dashboards on screen, in order, polled until ``until(seen)`` or the timeout."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not until(seen):
        slug = page.evaluate("() => window.monitor.board()")
        if not seen or seen[-1] != slug:
            seen.append(slug)
        time.sleep(0.25)
    return seen


def test_a_playlist_turns_through_three_dashboards_on_one_socket(browser, stack):
    context, page = open_kiosk(browser, kiosk_url(stack, "NOC left"))
    try:
        assert page.evaluate("document.body.classList.contains('kiosk')")
        order = ["wall-hosts", "wall-cpu", "wall-notes", "wall-hosts"]
        seen = boards_seen(page, lambda s: s[-4:] == order, 5 * SECONDS + 10)
        assert seen[-4:] == order, seen
        # the tiles, the chart and the figures all drew from the one socket's data
        page.wait_for_function("() => window.monitor.board() === 'wall-hosts'")
        page.wait_for_function("() => window.monitor.tileCount() === 1", timeout=10000)
        page.wait_for_function("() => window.monitor.board() === 'wall-cpu'", timeout=10000)
        page.wait_for_function("() => window.monitor.chartPoints('cpu') > 3", timeout=5000)
        assert page.evaluate("() => window.monitor.panelAge('now')") == "fresh"
        assert page.inner_text('[data-panel-id="now"] .stat-big') not in ("", "\u2013")
        save_artifact(page, "playlist-cpu.png")
        page.wait_for_function("() => window.monitor.board() === 'wall-notes'", timeout=10000)
        assert page.inner_text('[data-panel-id="note"] strong') == "Alice"
        assert page.evaluate("() => window.__sameDocument") is True  # never reloaded
        assert len(page.sockets) == 1, page.sockets
        assert page.evaluate("() => window.monitor.streamStats.resets") == 0
        assert page.errors == []
    finally:
        context.close()


def test_the_playlist_holds_on_a_critical_alert_and_turns_on_after(browser, stack):
    context, page = open_kiosk(browser, kiosk_url(stack, "NOC right"))
    try:
        stack.manage("alerts", "force", HOST, "cpu.percent", "99", "--for", "5m")
        page.wait_for_selector('.toast[data-severity="critical"]', timeout=15000)
        # the host's dashboards claim the alert; the notes' alerts panel lists it too
        page.wait_for_function("() => window.monitor.paused()", timeout=4 * SECONDS * 1000)
        held = page.evaluate("() => window.monitor.board()")
        assert page.is_visible("#playlist-paused")
        time.sleep(2 * SECONDS + 1)
        assert page.evaluate("() => window.monitor.board()") == held
        assert page.evaluate("() => window.monitor.paused()") is True
        save_artifact(page, "playlist-held.png")
        stack.manage("alerts", "force", HOST, "cpu.percent", "10", "--for", "5m")
        page.wait_for_function("(held) => window.monitor.board() !== held", arg=held, timeout=20000)
        assert not page.is_visible("#playlist-paused")
        assert len(page.sockets) == 1, page.sockets
        assert page.errors == []
    finally:
        context.close()


@pytest.mark.parametrize(("width", "height", "least_px"), [(1920, 1080, 22), (3840, 2160, 44)])
def test_a_kiosk_reads_across_a_room_at_1080p_and_4k(browser, stack, width, height, least_px):
    """Type sized by the screen: the header and panel text at least ``least_px``, everything on
    one screen (no scrolling either way)."""
    url = kiosk_url(stack, f"size {width}")
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(url)
        page.wait_for_function("() => window.monitor && window.monitor.state() === 'live'")
        page.wait_for_function("() => window.monitor.board() === 'wall-cpu'", timeout=20000)
        # the chart kept its history while another dashboard was on screen: full at once
        page.wait_for_function("() => window.monitor.chartPoints('cpu') >= 4", timeout=1500)
        sizes = page.evaluate(
            """() => ({
              body: parseFloat(getComputedStyle(document.body).fontSize),
              title: parseFloat(getComputedStyle(
                document.querySelector('#dashboard-title')).fontSize),
              stat: document.querySelector('[data-panel-id="now"] .stat-big')
                .getBoundingClientRect().height,
              scrollW: document.documentElement.scrollWidth,
              scrollH: document.documentElement.scrollHeight,
            })"""
        )
        assert sizes["body"] >= least_px and sizes["title"] >= least_px, sizes
        assert sizes["stat"] >= height / 10, sizes  # the big figure: a tenth of the screen
        assert sizes["scrollW"] <= width and sizes["scrollH"] <= height, sizes
        save_artifact(page, f"kiosk-{width}x{height}.png")
    finally:
        context.close()


def test_a_playlist_changed_on_the_server_reloads_the_screen_with_it(browser, stack):
    context, page = open_kiosk(browser, kiosk_url(stack, "NOC changing"))
    try:
        assert page.evaluate("() => window.monitor.program.boards.length") == 3
        shorter = {**BOARDS, "playlists": [{**BOARDS["playlists"][0], "entries": [
            {"dashboard": "wall-notes", "seconds": 60}]}]}  # fmt: skip
        stack.import_file("dashboards", shorter)
        page.wait_for_function(
            "() => window.__sameDocument === undefined && window.monitor"
            " && window.monitor.program.boards.length === 1",
            timeout=10000,
        )
        assert page.evaluate("() => window.monitor.board()") == "wall-notes"
        page.wait_for_function("() => window.monitor.state() === 'live'")
        assert page.errors == []
    finally:
        context.close()
        stack.import_file("dashboards", BOARDS)
