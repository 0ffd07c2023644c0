"""The cookie list against what Chromium actually holds after signing in, booking,
managing a booking, switching language and opening a privacy request."""

from __future__ import annotations

import re
import uuid

import requests
from flask import Flask
from playwright.sync_api import Browser

from kaleno.emulator.testing import EmulatorServer
from tests.bookings.conftest import Page, next_slot, page  # noqa: F401 - a connected host
from tests.notices.mailbox import memory_mail_to, text_of
from tests.pages.browser import assert_accessible, new_context

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
    tab.get_by_label("Email").fill(GUEST)
    tab.get_by_role("button", name="Kirimi saya tautannya").click()
    link = re.search(r"(/privacy/requests/\S+/t/\S+)", text_of(memory_mail_to(app, GUEST)[-1]))
    assert link
    tab.goto(base + link.group(1))
    tab.wait_for_url(re.compile(r"/privacy/requests/[0-9a-f-]+$"))

    held = {cookie["name"] for cookie in context.cookies()}
    assert held <= set(listed), f"not on /cookies: {held - set(listed)}"
    assert held == set(listed), f"listed but never set: {set(listed) - held}"
    for cookie in context.cookies():
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax", cookie
    context.close()
