"""Every page on a phone (390 x 844, touch, 3x) in headless Chromium: nothing scrolls sideways,
the overview is a list with the alerting host first, the host page's charts stack with axes
whose labels do not collide, an alert is acknowledged with one tap by a responder and offers a
viewer nothing to tap, and what acts is at least 44 px high (docs/dashboards.md, "On a phone").
"""

import itertools
import re

import pytest

from tests.browser.conftest import ARTIFACTS, save_artifact
from tests.live.stack import USERNAME, Stack, simulated_stack

pytestmark = [pytest.mark.browser, pytest.mark.live]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 3,
}
RULES = {"rules": [{"name": "sim-cpu", "metric": "cpu.percent", "hosts": ["sim-002"],
                    "op": ">", "warning": 90, "critical": 97, "clear": 50,
                    "summary": "CPU {value}% on {host}"}]}  # fmt: skip
KIOSK_URL = re.compile(r"http://\S+/k/k_[A-Za-z0-9_-]+/")
# The page's width as the phone sees it, and the elements that stick out past its right edge.
WIDTHS = """() => {
  const inner = window.innerWidth;
  const out = [...document.querySelectorAll("body *")].filter((e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.right > inner + 0.5 && !e.closest(".table-scroll");
  }).slice(0, 5).map((e) => `${e.tagName}.${e.className} ${e.getBoundingClientRect().right}`);
  return {scroll: document.documentElement.scrollWidth, screen: screen.width, inner, out};
}"""
# Tick labels of every axis of every chart: [axis, [left, right, top, bottom] per label].
TICKS = """() => [...document.querySelectorAll(".chart")].flatMap((chart) =>
  ["xtick", "ytick"].map((kind) => [kind, [...chart.querySelectorAll(`.${kind} text`)]
    .filter((t) => t.textContent.trim())
    .map((t) => { const r = t.getBoundingClientRect(), size = getComputedStyle(t).fontSize;
                  return [r.left, r.right, r.top, r.bottom, parseFloat(size)]; })]))"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory, test_redis, redis_prefix):
    def prepare(stack: Stack) -> None:
        stack.import_file("alerts", RULES, "--prune")
        stack.add_user("oncall", "responder")
        stack.add_user("watcher", "viewer")

    workdir = tmp_path_factory.mktemp("phone")
    with simulated_stack(
        workdir, test_redis.url, f"{redis_prefix}-phone", prepare, hosts=3
    ) as running:
        running.manage("alerts", "force", "sim-002", "cpu.percent", "99", "--for", "5m")
        yield running


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def sign_in(page, stack: Stack, username: str, path: str = "/") -> None:
    stack.sign_in(page, path, username, tap=True)


def assert_fits(page, name: str) -> None:
    """No sideways scrolling: the document is no wider than the screen; saves phone-<name>.png."""
    save_artifact(page, f"phone-{name}.png")
    widths = page.evaluate(WIDTHS)
    assert widths["scroll"] <= widths["screen"], (name, widths)
    assert widths["scroll"] <= widths["inner"], (name, widths)


def assert_tappable(page, selector: str) -> None:
    boxes = [e.bounding_box() for e in page.query_selector_all(selector)]
    assert boxes, selector
    for box in boxes:
        assert box["height"] >= 44 and box["width"] >= 44, (selector, box)


def test_the_login_page_fits_a_phone(phone, stack):
    phone.goto(stack.base_url + "/")
    phone.wait_for_selector("input[name=username]")
    assert_fits(phone, "login")
    assert_tappable(phone, "button[type=submit]")


def test_the_overview_is_a_list_with_the_alerting_host_first(phone, stack):
    sign_in(phone, stack, USERNAME)
    phone.wait_for_function("() => window.monitor && window.monitor.tileCount() === 3")
    assert phone.evaluate("window.monitor.listMode()")
    phone.wait_for_function(
        "() => document.querySelector('.tile')?.dataset.host === 'sim-002'", timeout=20000
    )
    tiles = phone.locator(".tile").evaluate_all(
        "els => els.map(e => [e.dataset.host, e.getBoundingClientRect().left,"
        " e.getBoundingClientRect().width])"
    )
    assert tiles[0][0] == "sim-002" and len(tiles) == 3
    assert len({round(t[1]) for t in tiles}) == 1  # one column
    assert all(t[2] >= 300 for t in tiles)  # as wide as the phone, less a margin
    assert phone.locator("#pager").is_hidden()
    assert_tappable(phone, ".nav a")
    phone.wait_for_function("() => window.monitor.tileAlert('sim-002') === 'critical'")
    assert_fits(phone, "overview")
    assert phone.errors == []


def test_the_host_page_stacks_its_charts_with_readable_axes(phone, stack):
    sign_in(phone, stack, USERNAME, "/hosts/sim-001/")
    phone.wait_for_selector(".chart .main-svg", timeout=20000)
    phone.wait_for_selector(".top tbody tr", timeout=20000)
    phone.wait_for_timeout(1500)  # a few samples, so every axis has its ticks
    lefts = phone.locator(".panels > .panel").evaluate_all(
        "els => els.map(e => Math.round(e.getBoundingClientRect().left))"
    )
    assert len(set(lefts)) == 1, lefts  # one panel per row
    phone.wait_for_function("() => document.querySelector('[data-figure=rx] .unit').textContent")
    clipped = phone.locator(".figure dd").evaluate_all(
        "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)"
    )
    assert clipped == [], clipped  # every figure and its unit fit their box
    for kind, labels in phone.evaluate(TICKS):
        assert all(label[4] >= 10 for label in labels), (kind, labels)
        ordered = sorted(labels, key=lambda r: r[0] if kind == "xtick" else r[2])
        for a, b in itertools.pairwise(ordered):
            if kind == "xtick":
                assert a[1] <= b[0] + 1, ("x tick labels overlap", a, b)
            else:
                assert a[3] <= b[2] + 1, ("y tick labels overlap", a, b)
    assert_tappable(phone, ".back")
    assert_fits(phone, "host")
    phone.evaluate("document.querySelector('.panels').scrollIntoView()")
    save_artifact(phone, "phone-host-charts.png")
    phone.screenshot(path=str(ARTIFACTS / "phone-host-full.png"), full_page=True)
    assert phone.errors == []


def test_a_responder_acknowledges_with_one_tap(phone, stack):
    sign_in(phone, stack, "oncall", "/alerts/")
    button = '#active-alerts .alert-row[data-severity="critical"] .alert-ack-button'
    phone.wait_for_selector(button, timeout=20000)
    assert_tappable(phone, button)
    assert_tappable(phone, ".nav a")
    assert_fits(phone, "alerts")
    phone.tap(button)  # no prompt on a touch screen: one tap is the acknowledgement
    phone.wait_for_selector(
        '#active-alerts .alert-row[data-acked="true"] .alert-ack:has-text("oncall")',
        timeout=10000,
    )
    assert phone.locator("#active-alerts .alert-unack").count() == 1
    save_artifact(phone, "phone-alerts-acked.png")

    phone.tap("#active-alerts .alert-row .alert-title")
    phone.wait_for_selector("#timeline li[data-event='acked']")
    assert_tappable(phone, ".alert-actions button")
    assert_tappable(phone, ".alert-detail > p:first-child > a")
    assert_fits(phone, "alert")
    assert phone.errors == []


def test_a_viewer_gets_nothing_to_tap(phone, stack):
    sign_in(phone, stack, "watcher", "/alerts/")
    phone.wait_for_function("() => window.monitorAlerts && window.monitorAlerts.synced()")
    phone.wait_for_selector("#active-alerts .alert-row[data-id]")
    assert phone.locator("#active-alerts .alert-row button").count() == 0
    assert phone.locator(".toast .toast-ack").count() == 0
    assert_fits(phone, "alerts-viewer")


def test_the_dashboards_and_the_screens_registry_fit_a_phone(phone, stack):
    sign_in(phone, stack, USERNAME, "/d/")
    assert_tappable(phone, ".dashboard-list li > a:first-child")
    assert_fits(phone, "dashboards")
    phone.tap('.dashboard-list li[data-slug="fleet"] > a')
    phone.wait_for_url(stack.base_url + "/d/fleet/")
    phone.wait_for_selector(".board-panel .tile", timeout=20000)
    assert_fits(phone, "dashboard")
    phone.goto(stack.base_url + "/screens/")
    phone.wait_for_selector("#screens-table")
    assert_tappable(phone, ".nav a")
    assert_fits(phone, "screens")
    assert phone.errors == []


def test_a_kiosk_and_its_revoked_page_fit_a_phone(phone, stack):
    url = stack.manage("kiosk", "create", "--dashboard", "fleet", "--name", "pocket")
    url = url.splitlines()[-1]
    assert KIOSK_URL.fullmatch(url), url
    phone.goto(url)
    phone.wait_for_selector(".board-panel .tile", timeout=20000)
    assert_fits(phone, "kiosk")
    stack.manage("kiosk", "revoke", "pocket")
    phone.wait_for_selector('body.screen-gone[data-state="revoked"]', timeout=10000)
    assert_fits(phone, "revoked")
