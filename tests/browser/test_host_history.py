"""The host page's history in headless Chromium: a range drawn from the minute rollups with the
live edge still streaming at its right, drag-to-zoom linked across the charts at a finer step,
alerts drawn on every chart, and a refused series shown in the charts' panels."""

import pytest

from tests.browser.conftest import save_artifact
from tests.live.stack import Stack, simulated_stack

pytestmark = [pytest.mark.browser, pytest.mark.live]

HOST = "sim-001"
CHARTS = ("cpu", "mem", "load", "disk", "net")
RULE = "history-always"
RULES = {"rules": [{"name": RULE, "metric": "cpu.percent", "hosts": [HOST], "op": ">=",
                    "warning": 0, "for": "0s", "summary": "CPU {value}% on {host}"}]}  # fmt: skip

# A day of minute rows for the host, up to the ten minutes the agent's own samples are rolled
# from: cpu's mean is 42 in every one of them.
INSERT_DAY = f"""
import time
from dashboards.history.models import Rollup
from dashboards.history.rollups import RollupRow
from dashboards.history.rows import encoded
now = int(time.time()) // 60 * 60
values = {{"cpu.percent": [10, 42, 90], "mem.percent": [30, 55, 60], "swap.percent": 1,
          "load.1m": [0.5, 1.5, 3], "load.5m": 1.2, "load.15m": 1.1,
          "disk.io.read_bytes_per_s": [0, 2000000, 9000000],
          "disk.io.write_bytes_per_s": [0, 4000000, 9000000],
          "net.rx_bytes_per_s": [0, 500000, 2000000], "net.tx_bytes_per_s": [0, 300000, 1000000]}}
rows = [("{HOST}", RollupRow(start, 60, values)) for start in range(now - 86400, now - 600, 60)]
Rollup.objects.bulk_create(encoded("1m", rows), ignore_conflicts=True, batch_size=500)
print(len(rows))
"""

# The page's own clock format for Plotly (charts.js plotlyTime), for driving a zoom.
ZOOM = """([chart, start, end]) => {
  const t = (s) => {
    const d = new Date(s * 1000), p = (n, w = 2) => String(n).padStart(w, "0");
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
      `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
  };
  const div = document.querySelector(`.chart[data-chart="${chart}"]`);
  return window.Plotly.relayout(div, { "xaxis.range": [t(start), t(end)] }).then(() => true);
}"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory, test_redis, redis_prefix):
    def prepare(stack: Stack) -> None:
        stack.import_file("alerts", {"rules": []}, "--prune")  # no alert until a test makes one
        assert int(stack.shell(INSERT_DAY).strip()) > 1400

    workdir = tmp_path_factory.mktemp("host-history")
    with simulated_stack(workdir, test_redis.url, f"{redis_prefix}-history", prepare) as stack:
        yield stack


def sign_in(page, stack: Stack, path: str) -> None:
    stack.sign_in(page, path)
    page.wait_for_function("() => window.monitor && window.monitor.state() === 'live'")


def now_s(page) -> float:
    return page.evaluate("() => window.monitor.socket.serverNow()")


def wait_loaded(page, more_than: int = 0) -> dict:
    page.wait_for_function(
        "(n) => { const r = window.monitor.range(); return !r.loading && r.loads > n; }",
        arg=more_than,
        timeout=60000,
    )
    return page.evaluate("() => window.monitor.range()")


def wait_live_edge_moves(page, chart: str = "cpu") -> None:
    page.wait_for_function(f"() => window.monitor.lastX('{chart}') !== null", timeout=30000)
    first = page.evaluate(f"() => window.monitor.lastX('{chart}')")
    page.wait_for_function(
        f"(first) => window.monitor.lastX('{chart}') >= first + 2", arg=first, timeout=30000
    )


def x_ranges(page) -> list[list[float]]:
    return page.evaluate(f"() => {list(CHARTS)}.map((c) => window.monitor.xRange(c))")


def pick(page, label: str) -> dict:
    loads = page.evaluate("() => window.monitor.range().loads")
    page.click(f'#history-bar .range-picker button:text-is("{label}")')
    return wait_loaded(page, loads)


def test_24_hours_are_drawn_from_the_minute_rollups_with_the_live_edge_streaming(page, stack):
    sign_in(page, stack, f"/hosts/{HOST}/")
    page.wait_for_function(f"() => window.monitor.pointCount('{HOST}', 'cpu') > 3", timeout=30000)
    assert page.evaluate("() => window.monitor.range().range") == "5m"

    shown = pick(page, "24 h")
    assert page.url.endswith("?range=24h")
    assert shown["live"] and not shown["paused"]
    assert shown["end"] - shown["start"] == pytest.approx(86400, abs=1)
    for chart in CHARTS:
        loaded = page.evaluate(f"() => window.monitor.history('{chart}')")
        assert loaded["tier"] == "1m" and loaded["step"] == 120, loaded
        assert 700 <= loaded["fetched"] <= 722, loaded  # 720 buckets of 2 min in a day
        assert loaded["error"] is None
    # the drawn line: the day's buckets (cpu's mean, 42), then the live samples at the right
    drawn = page.evaluate(
        "() => { const d = document.querySelector('.chart[data-chart=cpu]').data[0];"
        " return { n: d.x.length, early: d.y[10] }; }"
    )
    assert drawn["early"] == 42
    assert drawn["n"] >= page.evaluate("() => window.monitor.history('cpu').fetched")
    assert page.text_content("#history-bar .history-state").startswith("live")

    before = x_ranges(page)[0]
    wait_live_edge_moves(page)
    page.wait_for_function(
        "(end) => window.monitor.xRange('cpu')[1] > end + 1", arg=before[1], timeout=30000
    )
    now = now_s(page)
    start, end = x_ranges(page)[0]
    assert end == pytest.approx(now, abs=10) and end - start == pytest.approx(86400, abs=5)
    save_artifact(page, "host-24h.png")

    page.reload()
    page.wait_for_function("() => window.monitor && window.monitor.state() === 'live'")
    wait_loaded(page)
    assert page.evaluate("() => window.monitor.range().range") == "24h"
    pressed = page.get_attribute('#history-bar button[data-range="24h"]', "aria-pressed")
    assert pressed == "true"
    assert page.errors == []


def test_a_zoom_fetches_a_finer_step_for_every_chart_and_reset_goes_back(page, stack):
    sign_in(page, stack, f"/hosts/{HOST}/?range=24h")
    wait_loaded(page)
    now = now_s(page)
    loads = page.evaluate("() => window.monitor.range().loads")
    zoom = [now - 3 * 3600, now - 2 * 3600]
    page.evaluate(ZOOM, ["mem", *zoom])
    shown = wait_loaded(page, loads)
    assert shown["zoomed"] and shown["paused"]
    for chart in CHARTS:
        loaded = page.evaluate(f"() => window.monitor.history('{chart}')")
        assert loaded["step"] == 60 and loaded["tier"] == "1m", loaded  # finer than 120
        assert 60 <= loaded["fetched"] <= 61, loaded  # the minutes overlapping the hour
    for start, end in x_ranges(page):  # linked: every chart shows the zoomed hour
        assert start == pytest.approx(zoom[0], abs=1) and end == pytest.approx(zoom[1], abs=1)
    assert page.text_content("#history-bar .history-state").startswith("paused at ")
    assert page.is_visible('#history-bar [data-history="live"]')
    save_artifact(page, "host-zoomed.png")

    # scrolling back: "earlier" moves the window half its width into the past and loads it
    loads = page.evaluate("() => window.monitor.range().loads")
    page.click('#history-bar [data-history="earlier"]')
    wait_loaded(page, loads)
    start, end = x_ranges(page)[0]
    assert start == pytest.approx(zoom[0] - 1800, abs=1)
    assert 60 <= page.evaluate("() => window.monitor.history('cpu').fetched") <= 61

    # a double-click on a chart goes back to the picked range, as "reset zoom" does
    loads = page.evaluate("() => window.monitor.range().loads")
    page.dblclick('.chart[data-chart="load"] .nsewdrag')
    shown = wait_loaded(page, loads)
    assert not shown["zoomed"] and shown["end"] - shown["start"] == pytest.approx(86400, abs=1)

    # the last few minutes: raw samples from the store, following now
    loads = page.evaluate("() => window.monitor.range().loads")
    now = now_s(page)
    page.evaluate(ZOOM, ["cpu", now - 240, now])
    shown = wait_loaded(page, loads)
    assert shown["live"] and shown["zoomed"]
    loaded = page.evaluate("() => window.monitor.history('disk')")
    assert loaded["tier"] == "raw" and loaded["step"] <= 2, loaded
    wait_live_edge_moves(page, "disk")

    loads = page.evaluate("() => window.monitor.range().loads")
    page.click('#history-bar [data-history="reset"]')
    shown = wait_loaded(page, loads)
    assert not shown["zoomed"] and shown["live"]
    assert page.evaluate("() => window.monitor.history('net').step") == 120
    for start, end in x_ranges(page):
        assert end - start == pytest.approx(86400, abs=5)
    assert page.errors == []


def test_an_alert_firing_on_the_host_is_drawn_on_every_chart_with_its_hover(page, stack):
    sign_in(page, stack, f"/hosts/{HOST}/?range=1h")
    wait_loaded(page)
    stack.import_file("alerts", RULES, "--prune")
    try:
        page.wait_for_function(
            "(rule) => window.monitorAlerts.active().some((a) => a.rule === rule"
            " && a.state === 'firing')",
            arg=RULE,
            timeout=60000,
        )
        for chart in CHARTS:
            page.wait_for_function(
                "([chart, rule]) => window.monitor.annotations(chart).marks"
                ".some((m) => m.text.includes(rule))",
                arg=[chart, RULE],
                timeout=15000,
            )
            assert page.evaluate(f"() => window.monitor.annotations('{chart}').shapes") >= 2
        alert_id = page.evaluate(
            "(rule) => window.monitorAlerts.active().find((a) => a.rule === rule).id", RULE
        )
        page.evaluate("(id) => window.monitorAlerts.center.ack(id, 'looking into it')", alert_id)
        page.wait_for_function(
            "() => window.monitor.annotations('cpu').marks.some((m) =>"
            " m.text.includes('acked by tester') && m.text.includes('looking into it'))",
            timeout=15000,
        )
        # the marker's hover names the rule, its severity and who acknowledged it
        hover = page.evaluate(
            """(rule) => {
              const div = document.querySelector('.chart[data-chart=cpu]');
              const curve = div.data.findIndex((t) => t.name === 'alerts');
              const point = div.data[curve].hovertext.findIndex((t) => t.includes(rule));
              window.Plotly.Fx.hover(div, [{ curveNumber: curve, pointNumber: point }]);
              return div.querySelector('.hoverlayer').textContent;
            }""",
            RULE,
        )
        assert RULE in hover and "warning" in hover and "tester" in hover, hover
        save_artifact(page, "host-alert-annotations.png")

        # the live charts of the last 5 minutes carry it too
        page.click('#history-bar .range-picker button:text-is("5 min")')
        page.wait_for_function(
            "(rule) => window.monitor.annotations('load').marks.some((m) => m.text.includes(rule))",
            arg=RULE,
            timeout=15000,
        )
        assert not page.url.endswith("range=1h")
        page.wait_for_function(f"() => window.monitor.pointCount('{HOST}', 'cpu') > 3")
    finally:
        stack.import_file("alerts", {"rules": []}, "--prune")
    assert page.errors == []


def test_a_refused_series_shows_in_every_panel_and_the_live_edge_goes_on(page, stack):
    sign_in(page, stack, f"/hosts/{HOST}/?range=7d")
    wait_loaded(page)
    assert page.evaluate("() => window.monitor.history('cpu').tier") == "1m"
    now = now_s(page)
    loads = page.evaluate("() => window.monitor.range().loads")
    page.evaluate(ZOOM, ["net", now - 400 * 86400, now])  # longer than history is kept
    wait_loaded(page, loads)
    for chart in CHARTS:
        message = f'.chart-message[data-chart-message="{chart}"]'
        assert page.is_visible(message)
        text = page.text_content(message)
        assert "HTTP 400" in text and "start" in text, text
    wait_live_edge_moves(page)
    save_artifact(page, "host-history-refused.png")

    loads = page.evaluate("() => window.monitor.range().loads")
    page.click('#history-bar [data-history="reset"]')
    wait_loaded(page, loads)
    assert not page.is_visible('.chart-message[data-chart-message="cpu"]')
    assert page.errors == []


def test_the_range_bar_fits_a_phone(browser, stack):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, stack, f"/hosts/{HOST}/?range=6h")
        wait_loaded(page)
        box = page.evaluate(
            "() => { const b = document.getElementById('history-bar');"
            " return { right: b.getBoundingClientRect().right, sw: b.scrollWidth,"
            " cw: b.clientWidth }; }"
        )
        assert box["right"] <= 390 and box["sw"] <= box["cw"], box
        save_artifact(page, "host-range-phone.png")
    finally:
        context.close()
