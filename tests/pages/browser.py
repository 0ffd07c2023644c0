"""Debian's Chromium through Playwright: one browser per test session (per xdist worker),
axe-core checks, keyboard moves, screenshots at phone and desktop widths."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Locator, Page, sync_playwright

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
WIDTHS = (375, 1280)
_AXE = Axe()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Chromium from the system; missing: a clear skip, or a failure under CI=true."""
    path = shutil.which("chromium")
    if path is None:
        reason = "chromium is not installed (apt-get install chromium): browser tests skipped"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs the browser tests: {reason}")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_context(browser: Browser, **options: Any) -> BrowserContext:
    """A fresh browser profile; every wait fails after 20 s instead of hanging."""
    context = browser.new_context(**options)
    context.set_default_timeout(20_000)
    return context


def watch_console(page: Page) -> list[str]:
    """Collect console errors (a CSP violation shows up here)."""
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    return errors


def assert_accessible(page: Page) -> None:
    """axe-core finds no violation of any rule on the page as it is now (axe runs as a
    script: in a context with JavaScript off it would wait forever, so never call it there)."""
    results = _AXE.run(page)
    assert results.violations_count == 0, results.generate_report()


def screenshots(page: Page, name: str) -> None:
    """Keep the page at 375 and 1280 px; at 375 px nothing may scroll sideways."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size or {"width": 1280, "height": 900}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"{name} scrolls sideways at {width}px ({scroll_width})"
    page.set_viewport_size(original)


def is_focused(locator: Locator) -> bool:
    return bool(locator.evaluate("element => element === document.activeElement"))


def tab_to(page: Page, locator: Locator, limit: int = 120) -> None:
    """Press Tab until ``locator`` has the focus (keyboard only, no clicks)."""
    for _ in range(limit):
        if is_focused(locator):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {locator}")


def focus_ring(locator: Locator) -> dict[str, Any]:
    """The outline the focused element (or, for a hidden radio, its label's box) shows."""
    style: dict[str, Any] = locator.evaluate(
        """element => {
            const shown = element.type === 'radio' ? element.nextElementSibling : element;
            const css = getComputedStyle(shown);
            return {style: css.outlineStyle, width: parseFloat(css.outlineWidth)};
        }"""
    )
    return style


def assert_focus_visible(locator: Locator) -> None:
    """The focused element draws a visible focus indicator."""
    ring = focus_ring(locator)
    assert ring["style"] != "none" and ring["width"] >= 2, ring


def choose_radio(page: Page, value: str, limit: int = 100) -> None:
    """With the focus in a radio group, move with the arrow keys to the radio ``value``."""
    target = page.locator(f'input[name="start"][value="{value}"]')
    for _ in range(limit):
        if is_focused(target):
            page.keyboard.press("Space")
            return
        page.keyboard.press("ArrowRight")
    raise AssertionError(f"no radio {value}")


def same_instant(google_time: str, moment: datetime) -> bool:
    """Whether an emulator ``dateTime`` is the instant ``moment``."""
    return datetime.fromisoformat(google_time.replace("Z", "+00:00")) == moment
