"""The cookie list against what Chromium actually holds after signing in, booking,
managing a booking, switching language and opening a privacy request."""

from __future__ import annotations

import re
import uuid

import pytest
import requests
from flask import Flask
from playwright.sync_api import Browser, expect

from kaleno.emulator.testing import EmulatorServer
from kaleno.site.cookies import parse_optional_cookies
from tests.bookings.conftest import Page, next_slot, page  # noqa: F401 - a connected host
from tests.notices.mailbox import memory_mail_to, text_of
from tests.pages.browser import assert_accessible, new_context, screenshots, tab_to

GUEST = "ada@example.org"


def test_chromium_holds_only_listed_cookies_and_every_listed_one_is_used(
    app: Flask,
    page: Page,  # noqa: F811
    google: EmulatorServer,
    chromium: Browser,
) -> None:
    context = new_context(chromium, locale="en-GB")
    tab = context.new_page()
    base = page.base

    tab.goto(base + "/cookies")
    assert_accessible(tab)
    screenshots(tab, "cookies")
    tab.goto(base + "/privacy")
    assert_accessible(tab)
    screenshots(tab, "privacy-policy")
    tab.goto(base + "/cookies")
    listed = tab.locator("tr[data-cookie]").evaluate_all(
        "rows => rows.map(row => row.dataset.cookie)"
    )

    # Sign in as the page's host (the emulator approves), in this browser.
    google.set_authorization("approve", "host@example.com", None)
    tab.goto(base + "/auth/google/login?next=/console")
    tab.wait_for_url(base + "/console")

    # A customer books; the manage link is traded for its cookie.
    made = requests.post(
        page.url(),
        json=page.body(next_slot(days=3)),
        headers={"Idempotency-Key": uuid.uuid4().hex},
        timeout=30,
    )
    assert made.status_code == 201, made.text
    tab.goto(f"{base}/m/{made.json()['manage_token']}")
    tab.wait_for_url(re.compile(r"/m/b/"))

    # The language switch, and a privacy request opened from its emailed link.
    tab.goto(base + "/privacy/requests?lang=id")
    assert_accessible(tab)
    screenshots(tab, "privacy-requests")
    tab.get_by_label("Email").fill(GUEST)
    tab.get_by_role("button", name="Kirimi saya tautannya").click()
    link = re.search(r"(/privacy/requests/\S+/t/\S+)", text_of(memory_mail_to(app, GUEST)[-1]))
    assert link
    tab.goto(base + link.group(1))
    tab.wait_for_url(re.compile(r"/privacy/requests/[0-9a-f-]+$"))
    expect(tab.locator("#request-state")).to_have_text("Menunggu konfirmasi Anda")
    assert_accessible(tab)
    screenshots(tab, "privacy-request")

    held = {cookie["name"] for cookie in context.cookies()}
    assert held <= set(listed), f"not on /cookies: {held - set(listed)}"
    assert held == set(listed), f"listed but never set: {set(listed) - held}"
    for cookie in context.cookies():
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax", cookie
    context.close()


def test_the_banner_offers_equal_choices_and_sets_nothing_before_consent(
    app: Flask, chromium: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        app.config, "OPTIONAL_COOKIES", parse_optional_cookies("demo:kaleno_demo:30:A test")
    )
    base = str(app.config["BASE_URL"])
    for choice, kept in (("Reject optional cookies", False), ("Accept optional cookies", True)):
        context = new_context(chromium, locale="en-GB", viewport={"width": 375, "height": 800})
        tab = context.new_page()
        tab.goto(base + "/privacy")
        banner = tab.get_by_role("region", name="Optional cookies")
        expect(banner).to_be_visible()
        assert_accessible(tab)
        looks = [
            button.evaluate(
                "b => { const s = getComputedStyle(b); const r = b.getBoundingClientRect();"
                " return [s.backgroundColor, s.color, s.fontSize, s.fontWeight,"
                " Math.round(r.height)]; }"
            )
            for button in banner.get_by_role("button").all()
        ]
        assert len(looks) == 2 and looks[0] == looks[1], looks  # equal weight
        assert "kaleno_demo" not in {c["name"] for c in context.cookies()}
        target = tab.get_by_role("button", name=choice)
        tab_to(tab, target)
        tab.keyboard.press("Enter")
        tab.wait_for_url(base + "/privacy")
        expect(tab.get_by_role("region", name="Optional cookies")).to_have_count(0)
        assert ("kaleno_demo" in {c["name"] for c in context.cookies()}) is kept
        context.close()
