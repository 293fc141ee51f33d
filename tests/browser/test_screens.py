"""The screens registry in headless Chromium on the real stack: two kiosk browsers register and
show as online on /screens/; identify, reload and a switch reach only the chosen wall; a wall
whose browser closes turns offline on the page within 30 s."""

import pytest

from tests.browser.conftest import save_artifact
from tests.live.stack import PASSWORD, USERNAME, Stack, simulated_stack

pytestmark = [pytest.mark.browser, pytest.mark.live]

BOARDS = {
    "dashboards": [
        {"slug": "wall-notes", "title": "Wall notes", "layout": {"schema": 1, "panels": [
            {"id": "note", "type": "text", "x": 0, "y": 0, "w": 6, "h": 2,
             "markdown": "# On call\n- **Alice**"},
        ]}},
    ],
}  # fmt: skip
OFFLINE_WITHIN_MS = 30_000


@pytest.fixture(scope="module")
def stack(tmp_path_factory, test_redis, redis_prefix):
    workdir = tmp_path_factory.mktemp("screens")
    prepare = lambda stack: stack.import_file("dashboards", BOARDS)  # noqa: E731
    with simulated_stack(workdir, test_redis.url, f"{redis_prefix}-screens", prepare) as stack:
        yield stack


def open_kiosk(browser, stack: Stack, name: str):
    url = stack.manage("kiosk", "create", "--dashboard", "fleet", "--name", name)
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(url.strip().splitlines()[-1])
    mark_document(page)
    return context, page


def mark_document(page) -> None:
    """Live, and marked: a reload makes a new document, which has no mark."""
    page.wait_for_function("() => window.monitor && window.monitor.state() === 'live'")
    page.evaluate("window.__sameDocument = true")


def same_document(page) -> bool:
    return page.evaluate("() => window.__sameDocument === true")


def row(name: str, state: str | None = None) -> str:
    selector = f'tr[data-screen-name="{name}"]'
    return selector + (f'[data-state="{state}"]' if state else "")


def test_two_walls_online_identify_reload_and_switch_reach_only_the_chosen_one(browser, stack):
    left_context, left = open_kiosk(browser, stack, "NOC left")
    right_context, right = open_kiosk(browser, stack, "NOC right")
    admin_context = browser.new_context(viewport={"width": 1920, "height": 1080})
    admin = admin_context.new_page()
    admin.errors = []
    admin.on("pageerror", lambda error: admin.errors.append(str(error)))
    try:
        admin.goto(stack.base_url + "/screens/")  # to the login page, and back once signed in
        admin.fill("input[name=username]", USERNAME)
        admin.fill("input[name=password]", PASSWORD)
        admin.click("button[type=submit]")
        admin.wait_for_url(stack.base_url + "/screens/")
        for name in ("NOC left", "NOC right"):
            admin.wait_for_selector(row(name, "online"), timeout=15000)
            badge = admin.locator(row(name) + " .screen-state-badge")
            assert badge.inner_text() == "online"  # the state in words, not colour alone
        cells = admin.locator(row("NOC left") + " td")
        assert cells.nth(1).inner_text() == "kiosk"
        assert cells.nth(2).inner_text().startswith("fleet")
        assert "Chrome" in cells.nth(8).inner_text()
        assert cells.nth(9).inner_text() == "1920x1080 @1x"
        admin.wait_for_function(  # the pages' latency figures arrive with a report
            "() => document.querySelector('tr[data-screen-name=\"NOC left\"] .screen-latency')"
            ".textContent.endsWith('s')",  # '120 ms', not the dash of no figure
            timeout=15000,
        )

        # Identify: the name across the chosen wall, on that wall only.
        admin.click(row("NOC left") + " button.identify-screen")
        left.wait_for_selector("#screen-identify", state="visible", timeout=5000)
        assert left.inner_text("#screen-identify") == "NOC left"
        assert right.locator("#screen-identify:visible").count() == 0
        assert admin.get_attribute("#screens-message", "data-state") == "ok"
        save_artifact(left, "screens-identify.png")

        # Reload: a new document on the chosen wall; the other one keeps its own.
        admin.click(row("NOC right") + " button.reload-screen")
        right.wait_for_function("() => window.__sameDocument === undefined", timeout=10000)
        mark_document(right)
        assert same_document(left)

        # Switch: the chosen wall's token now shows another dashboard, and it reloads onto it.
        switch = row("NOC right") + " form.screen-switch"
        admin.select_option(switch + " select", "dashboard:wall-notes")
        admin.click(switch + " button")
        right.wait_for_function("() => window.__sameDocument === undefined", timeout=10000)
        right.wait_for_function("() => window.monitor && window.monitor.board() === 'wall-notes'")
        admin.wait_for_function(
            "() => document.querySelector('tr[data-screen-name=\"NOC right\"] .screen-shows')"
            ".textContent.startsWith('wall-notes')",
            timeout=15000,
        )
        assert same_document(left)
        assert left.evaluate("() => window.monitor.board()") == "fleet"
        left.wait_for_selector("#screen-identify", state="hidden", timeout=12000)  # after 10 s
        save_artifact(admin, "screens.png")

        # A wall that goes dark: offline on the page within 30 s, and still listed.
        left_context.close()
        admin.wait_for_selector(row("NOC left", "offline"), timeout=OFFLINE_WITHIN_MS)
        assert admin.locator(row("NOC left") + " .screen-state-badge").inner_text() == ("offline")
        assert admin.locator(row("NOC left") + " button.reload-screen").is_disabled()
        assert admin.locator(row("NOC right", "online")).count() == 1
        assert right.errors == [] and admin.errors == []
    finally:
        for context in (left_context, right_context, admin_context):
            context.close()


def test_a_persons_page_registers_only_with_screen_and_follows_a_switch(browser, stack):
    context = browser.new_context(viewport={"width": 1600, "height": 900})
    try:
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.goto(stack.base_url + "/d/fleet/?screen=Ops%20laptop")
        page.fill("input[name=username]", USERNAME)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        mark_document(page)
        plain = context.new_page()  # the same person's page without ?screen: not a screen
        plain.goto(stack.base_url + "/d/fleet/")
        mark_document(plain)
        admin = context.new_page()
        admin.goto(stack.base_url + "/screens/")
        admin.wait_for_selector(row("Ops laptop", "online"), timeout=15000)
        assert admin.inner_text(row("Ops laptop") + " .screen-user") == f" ({USERNAME})"
        assert admin.locator('tr[data-kind="page"]').count() == 1

        switch = row("Ops laptop") + " form.screen-switch"
        admin.select_option(switch + " select", "dashboard:wall-notes")
        admin.click(switch + " button")
        page.wait_for_function("() => window.__sameDocument === undefined", timeout=10000)
        page.wait_for_function("() => window.monitor && window.monitor.board() === 'wall-notes'")
        assert page.url == stack.base_url + "/d/wall-notes/?screen=Ops+laptop"
        admin.wait_for_function(
            "() => document.querySelector('tr[data-screen-name=\"Ops laptop\"] .screen-shows')"
            ".textContent.startsWith('wall-notes')",
            timeout=15000,
        )
        assert admin.locator('tr[data-kind="page"]').count() == 1  # the same screen, moved
        assert same_document(plain) and page.errors == []
    finally:
        context.close()
