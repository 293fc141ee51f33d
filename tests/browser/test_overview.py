"""The fleet overview in headless Chromium: two real agents and fifty simulated hosts."""

import json
import signal
import time

import pytest

from tests.browser.conftest import ARTIFACTS, save_artifact
from tests.live.stack import Stack

pytestmark = [pytest.mark.browser, pytest.mark.live]


@pytest.fixture(scope="module")
def fleet(tmp_path_factory, test_redis, redis_prefix):
    stack = Stack(tmp_path_factory.mktemp("overview"), test_redis.url, f"{redis_prefix}-overview")
    stack.prepare()
    stack.start_central()
    stack.start_agent("alpha", MONITOR_LABELS="env=prod")
    stack.start_agent("beta", MONITOR_LABELS="env=staging")
    stack.start("simulator", "simulate_hosts", "50", "--prefix", "sim", "--labels", "env=sim")
    try:
        stack.wait_healthy(hosts_up=52, timeout=90)
        yield stack
    finally:
        stack.stop_all()


def sign_in(page, stack: Stack, path: str = "/") -> None:
    stack.sign_in(page, path)


def tile_status(page, host: str) -> str:
    return page.evaluate("(host) => window.monitor.tileStatus(host)", host)


def test_the_overview_shows_every_host_and_a_killed_one_turns_down(page, fleet):
    sign_in(page, fleet)
    page.wait_for_function(
        "() => window.monitor && window.monitor.tileCount() === 52", timeout=20000
    )
    page.wait_for_function("() => window.monitor.tileStatus('beta') === 'up'", timeout=20000)
    page.wait_for_function("() => window.monitor.sparkPoints('sim-001') >= 3", timeout=20000)
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")

    fleet.stop("agent-beta", signal.SIGKILL)
    killed = time.monotonic()
    page.wait_for_function("() => window.monitor.tileStatus('beta') === 'late'", timeout=20000)
    late_after = time.monotonic() - killed
    page.wait_for_function("() => window.monitor.tileStatus('beta') === 'down'", timeout=30000)
    down_after = time.monotonic() - killed
    page.wait_for_selector('.tile[data-host="beta"][data-status="down"]', timeout=5000)
    assert "DOWN" in page.locator('.tile[data-host="beta"]').inner_text().upper()
    # Worst first (the order is re-sorted every few seconds, not on every sample).
    page.wait_for_function(
        "() => document.querySelector('.tile')?.dataset.host === 'beta'", timeout=20000
    )
    save_artifact(page, "overview.png")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "overview-down-timing.json").write_text(
        json.dumps(
            {"tile_late_after_kill_s": late_after, "tile_down_after_kill_s": down_after}, indent=2
        )
    )
    assert page.errors == []

    fleet.start_agent("beta", MONITOR_LABELS="env=staging")
    page.wait_for_function("() => window.monitor.tileStatus('beta') === 'up'", timeout=60000)


def test_a_label_filter_shows_only_matching_hosts(page, fleet):
    sign_in(page, fleet, "/?label=env=prod")
    page.wait_for_function(
        "() => window.monitor && window.monitor.tileStatus('alpha') === 'up'", timeout=20000
    )
    assert page.evaluate("window.monitor.tileCount()") == 1


def test_clicking_a_tile_opens_the_host_page(page, fleet):
    sign_in(page, fleet)
    page.wait_for_function(
        "() => window.monitor && window.monitor.tileCount() === 52", timeout=20000
    )
    page.click('.tile[data-host="alpha"]')
    page.wait_for_url(fleet.base_url + "/hosts/alpha/")
    page.wait_for_function(
        "() => window.monitor && window.monitor.pointCount('alpha', 'cpu') > 0", timeout=20000
    )
    assert page.errors == []
