"""The dashboard editor on /d/<slug>/ in real headless Chromium, against the real stack: an admin
adds a panel with the pickers, drags it, saves, and finds it there after a reload; a move onto
another panel is refused; what the server refuses is shown and changes nothing."""

import json
import socket

import pytest

from tests.browser.conftest import save_artifact
from tests.live.stack import PASSWORD, USERNAME, Stack, running_stack

pytestmark = [pytest.mark.browser, pytest.mark.live]
HOST = socket.gethostname()
ROW_PX = 60  # the editor's row height
LAYOUT = {
    "schema": 1,
    "columns": 12,
    "panels": [
        {"id": "note", "type": "text", "x": 0, "y": 0, "w": 4, "h": 2, "text": "On call: Bob"},
        {"id": "clk", "type": "clock", "x": 4, "y": 0, "w": 3, "h": 2, "tz": "Europe/Paris"},
    ],
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory, test_redis, redis_prefix):
    workdir = tmp_path_factory.mktemp("editor")
    with running_stack(workdir, test_redis.url, f"{redis_prefix}-editor") as running:
        yield running


def make_dashboard(stack: Stack, slug: str) -> str:
    """Dashboard ``slug`` with LAYOUT (made or put back); its page's path."""
    stack.shell(
        "from dashboards.walls.models import Dashboard\n"
        f"Dashboard.objects.update_or_create(slug={slug!r}, "
        f"defaults={{'title': {slug!r}, 'layout': {LAYOUT!r}}})"
    )
    return f"/d/{slug}/"


def open_editor(page, stack: Stack, path: str) -> None:
    """Sign in (the stack's user is a superuser: an admin), open ``path`` and press Edit."""
    page.goto(stack.base_url + path)
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(stack.base_url + path)
    assert page.locator("#edit-dashboard").count() == 1, (
        "the dashboard page does not include walls/_editor.html (or does not start the editor)"
    )
    page.click("#edit-dashboard")
    page.wait_for_selector("#editor-add:not([disabled])")
    assert page.is_hidden("#edit-dashboard")
    if page.locator("#dashboard-grid").count():
        assert page.is_hidden("#dashboard-grid")


def stored_layout(page, stack: Stack, slug: str) -> dict:
    return page.context.request.get(f"{stack.base_url}/d/{slug}/layout.json").json()


def editor_layout(page) -> dict:
    return page.evaluate("() => window.monitorEditor.layout()")


def panel(layout: dict, panel_id: str) -> dict:
    return next(p for p in layout["panels"] if p["id"] == panel_id)


def drag(page, panel_id: str, columns: int, rows: int, release=True, corner=False) -> None:
    """Drag panel ``panel_id`` (from its middle, or by its resize handle) by whole cells."""
    grid = page.locator("#editor-grid").bounding_box()
    box = page.locator(f'.editor-panel[data-panel-id="{panel_id}"]')
    box = (box.locator(".editor-resize") if corner else box).bounding_box()
    cell_w = grid["width"] / editor_layout(page)["columns"]
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + columns * cell_w, y + rows * ROW_PX, steps=10)
    if release:
        page.mouse.up()


def test_an_admin_adds_a_chart_drags_it_and_saves_it(page, stack):
    path = make_dashboard(stack, "edit-add")
    open_editor(page, stack, path)

    page.click("#editor-add")
    page.select_option("#editor-type", "chart")
    page.fill("#editor-id", "cpu")
    page.fill("#editor-title", "CPU here")
    page.select_option("#editor-metric", "cpu.percent")
    assert page.input_value("#editor-one-of") == "hosts"
    page.check(f'#editor-hosts input[type=checkbox][value="{HOST}"]')
    save_artifact(page, "dashboard-editor-form.png")
    page.click("#editor-apply")
    added = panel(editor_layout(page), "cpu")
    assert (added["x"], added["y"], added["w"], added["h"]) == (0, 2, 6, 4)  # the first free place

    drag(page, "cpu", 4, 4)
    moved = panel(editor_layout(page), "cpu")
    assert (moved["x"], moved["y"]) == (4, 6)

    page.click('.editor-panel[data-panel-id="cpu"]')  # a click opens its form, as it was
    assert page.input_value("#editor-metric") == "cpu.percent"
    assert page.is_checked(f'#editor-hosts input[value="{HOST}"]')
    page.select_option("#editor-window", "900")
    page.click("#editor-apply")
    assert page.is_hidden("#editor-form")
    save_artifact(page, "dashboard-editor.png")

    expected = editor_layout(page)
    with page.expect_navigation():
        page.click("#editor-save")
    page.wait_for_selector("#edit-dashboard")
    assert stored_layout(page, stack, "edit-add") == expected
    assert editor_layout(page) == expected
    assert panel(expected, "cpu") == {
        "id": "cpu", "type": "chart", "x": 4, "y": 6, "w": 6, "h": 4, "title": "CPU here",
        "metric": "cpu.percent", "hosts": [HOST], "window_s": 900,
    }  # fmt: skip
    assert page.errors == []


def test_a_move_onto_another_panel_is_refused_and_snaps_back(page, stack):
    path = make_dashboard(stack, "edit-refuse")
    open_editor(page, stack, path)

    drag(page, "clk", -3, 0, release=False)  # onto the note
    page.wait_for_selector('.editor-panel[data-panel-id="clk"][data-blocked="true"]')
    page.mouse.up()
    page.wait_for_selector('.editor-panel[data-panel-id="clk"][data-refused="true"]')
    save_artifact(page, "dashboard-editor-refused.png")
    assert "clk would overlap note" in page.inner_text("#editor-message")
    assert panel(editor_layout(page), "clk")["x"] == 4

    # The keyboard: left would overlap too; right and shift+down are fine.
    page.focus('.editor-panel[data-panel-id="clk"]')
    page.keyboard.press("ArrowLeft")
    assert panel(editor_layout(page), "clk")["x"] == 4
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowDown")
    clock = panel(editor_layout(page), "clk")
    assert (clock["x"], clock["y"], clock["w"], clock["h"]) == (5, 0, 3, 3)
    drag(page, "clk", 1, 1, corner=True)  # the resize handle
    clock = panel(editor_layout(page), "clk")
    assert (clock["x"], clock["y"], clock["w"], clock["h"]) == (5, 0, 4, 4)
    page.click('.editor-panel[data-panel-id="note"] .editor-remove')
    assert [p["id"] for p in editor_layout(page)["panels"]] == ["clk"]

    page.click("#editor-cancel")  # nothing was sent, and the edits are dropped
    assert page.is_hidden("#dashboard-editor") and page.is_visible("#edit-dashboard")
    assert stored_layout(page, stack, "edit-refuse") == LAYOUT
    assert editor_layout(page) == LAYOUT
    assert page.errors == []


def test_a_bad_upload_shows_the_servers_message_and_changes_nothing(page, stack, tmp_path):
    path = make_dashboard(stack, "edit-upload")
    open_editor(page, stack, path)
    page.focus('.editor-panel[data-panel-id="clk"]')
    page.keyboard.press("ArrowRight")  # an edit not saved yet, which must survive
    draft = editor_layout(page)

    bad = {**LAYOUT, "panels": [{**LAYOUT["panels"][1], "tz": "Nowhere/Else"}]}
    upload = tmp_path / "bad.layout.json"
    upload.write_text(json.dumps(bad))
    page.set_input_files("#editor-upload", str(upload))
    page.wait_for_selector("#editor-message[data-kind=error]:has-text('Nowhere/Else')")
    assert page.inner_text("#editor-message").startswith("panel 0 (clk): tz: 'Nowhere/Else' is not")
    assert stored_layout(page, stack, "edit-upload") == LAYOUT
    assert editor_layout(page) == draft
    assert page.errors == []


def test_a_save_the_server_refuses_is_shown_beside_save_and_the_edits_stay(page, stack):
    path = make_dashboard(stack, "edit-refused-save")
    open_editor(page, stack, path)
    page.focus('.editor-panel[data-panel-id="clk"]')
    page.keyboard.press("ArrowDown")
    draft = editor_layout(page)
    # The editor's own checks let nothing bad through, so the server's refusal is staged.
    refusal = {"error": {"code": "bad_layout", "message": "panel 1 (clk): y: staged refusal",
                         "fields": {"panels[1].y": "staged refusal"}}}  # fmt: skip

    def refuse_posts(route) -> None:
        if route.request.method == "POST":
            route.fulfill(status=400, json=refusal)
        else:
            route.continue_()

    page.route("**/d/edit-refused-save/layout.json", refuse_posts)
    page.click("#editor-save")
    page.wait_for_selector("#editor-message[data-kind=error]:has-text('staged refusal')")
    assert page.get_attribute('.editor-panel[data-panel-id="clk"]', "data-invalid") == "true"
    assert editor_layout(page) == draft
    assert page.is_enabled("#editor-save")
    assert page.errors == []
