"""The dashboard in real headless Chromium, fed by the real pipeline."""

import socket

import pytest

from tests.browser.conftest import save_artifact
from tests.live.stack import USERNAME, Stack, running_stack

pytestmark = [pytest.mark.browser, pytest.mark.live]
HOST = socket.gethostname()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, test_redis, redis_prefix):
    workdir = tmp_path_factory.mktemp("browser")
    with running_stack(workdir, test_redis.url, f"{redis_prefix}-browser") as running:
        yield running


def sign_in(page, stack: Stack, path: str = f"/hosts/{HOST}/") -> None:
    stack.sign_in(page, path)


def cpu_points(page) -> int:
    return page.evaluate("([host]) => window.monitor.pointCount(host, 'cpu')", [HOST])


def wait_for_more_cpu_points(page, than: int, timeout_ms: int = 15000) -> int:
    page.wait_for_function(
        "([host, than]) => window.monitor && window.monitor.pointCount(host, 'cpu') > than",
        arg=[HOST, than],
        timeout=timeout_ms,
    )
    return cpu_points(page)


def test_a_signed_in_user_sees_the_cpu_chart_gain_points(page, stack):
    sign_in(page, stack)
    first = wait_for_more_cpu_points(page, 0)
    second = wait_for_more_cpu_points(page, first)
    assert second > first
    assert page.get_attribute("#connection-status", "data-state") == "live"
    assert page.get_attribute(f'[data-host-age="{HOST}"]', "data-state") == "fresh"
    save_artifact(page, "dashboard.png")
    assert page.errors == []


def test_the_page_reconnects_after_the_web_server_restarts_without_reloading(page, stack):
    sign_in(page, stack)
    page.evaluate("window.__sameDocument = true")
    before = wait_for_more_cpu_points(page, 0)

    stack.stop("web")
    page.wait_for_selector('#connection-status[data-state="reconnecting"]', timeout=15000)
    stack.start("web")
    page.wait_for_selector('#connection-status[data-state="live"]', timeout=30000)

    wait_for_more_cpu_points(page, cpu_points(page))
    assert cpu_points(page) > before
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
    save_artifact(page, "dashboard-after-reconnect.png")
    assert page.errors == []


def test_a_host_whose_samples_stop_turns_late_then_stale_and_recovers(page, stack):
    sign_in(page, stack)
    age = f'[data-host-age="{HOST}"]'
    page.wait_for_selector(f'{age}[data-state="fresh"]', timeout=15000)
    stack.stop("agent")
    page.wait_for_selector(f'{age}[data-state="late"]', timeout=15000)
    page.wait_for_selector(f'{age}[data-state="stale"]', timeout=30000)
    save_artifact(page, "dashboard-stale-host.png")
    stack.start("agent")
    page.wait_for_selector(f'{age}[data-state="fresh"]', timeout=60000)
    assert page.errors == []


def test_signing_out_in_another_tab_takes_this_page_to_the_login_page(page, stack):
    sign_in(page, stack)
    wait_for_more_cpu_points(page, 0)
    other_tab = page.context.new_page()
    other_tab.goto(stack.base_url + "/")
    other_tab.click("form.logout button")
    other_tab.wait_for_url("**/accounts/login/**")
    # The session's sockets close (4401) and the page follows to the login page by itself.
    page.wait_for_url("**/accounts/login/**", timeout=10000)
    assert page.errors == []


def test_the_api_docs_render_under_the_pages_csp_and_the_session_calls_the_api(page, stack):
    sign_in(page, stack)
    page.goto(stack.base_url + "/api/docs")
    page.wait_for_selector(".swagger-ui .info .title:has-text('Live monitor API')", timeout=15000)
    page.wait_for_selector(".opblock-summary-path[data-path='/api/alerts']")
    me = page.evaluate("fetch('/api/me').then(r => r.json())")
    assert me == {"username": USERNAME, "role": "admin", "auth": "session"}
    save_artifact(page, "api-docs.png")
    assert page.errors == []  # no script error, nothing the CSP blocked
