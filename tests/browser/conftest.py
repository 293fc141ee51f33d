"""Headless Chromium for browser tests: Debian's package, driven by Playwright."""

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # This machine's network is closed: background fetches only fill the log with refusals.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_executable() -> str | None:
    """Debian's chromium, or a Chromium Playwright installed itself, or None."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            path = playwright.chromium.executable_path
        return path if Path(path).exists() else None
    except Exception:
        return None


@pytest.fixture(scope="module")
def browser():
    # Module scope: Playwright's sync API keeps an event loop running in this thread while it is
    # open, which would stop every later asyncio test from starting its own.
    executable = chromium_executable()
    if executable is None:
        reason = (
            "NO CHROMIUM: browser tests did not run. Install Debian's package "
            "(apt-get install chromium) to run them."
        )
        if os.environ.get("MONITOR_REQUIRE_BROWSER"):
            pytest.fail(reason + " MONITOR_REQUIRE_BROWSER is set, so this is a failure.")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def csp_violation(message) -> None:
        # Chromium reports what the Content-Security-Policy blocked on the console.
        if "Content Security Policy" in message.text:
            errors.append(message.text)

    page.on("console", csp_violation)
    page.errors = errors
    yield page
    context.close()


def save_artifact(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path
