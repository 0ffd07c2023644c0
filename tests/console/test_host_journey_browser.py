"""The host's whole journey in Chromium against the emulator, keyboard first.

Sign in, a partial then a full calendar grant, profile, hours, an event type, a customer
books, the host cancels one booking, disconnects (receipt), downloads the export (parsed
against the published schema) and deletes the account with a future booking left. axe-core
checks each page; at 375 px nothing scrolls sideways.
"""

from __future__ import annotations

import json
import uuid

import requests
from flask import Flask
from playwright.sync_api import Browser, expect
from playwright.sync_api import Page as Tab

from kaleno.emulator.testing import EmulatorServer
from kaleno.extensions import db
from kaleno.models import Booking, User
from kaleno.privacy.export import HostExport
from tests.auth.browser import EVENTS, FREEBUSY
from tests.bookings.conftest import next_slot, rfc3339
from tests.pages.browser import (
    assert_accessible,
    new_context,
    screenshots,
    tab_to,
    watch_console,
)

EMAIL = "hana@example.com"


def _press(tab: Tab, name: str, role: str = "button") -> None:
    """Reach a control with Tab and activate it with Enter: no mouse."""
    target = tab.get_by_role(role, name=name, exact=True)  # type: ignore[arg-type]
    tab_to(tab, target)
    tab.keyboard.press("Enter")


def _checked(tab: Tab, name: str) -> None:
    assert_accessible(tab)
    screenshots(tab, f"console-{name}")


def _book(base: str, hour: int) -> str:
    answer = requests.post(
        f"{base}/api/pages/hana/intro/bookings",
        json={
            "start": rfc3339(next_slot(days=2, hour=hour)),
            "name": f"Customer {hour}",
            "email": f"c{hour}@example.org",
            "timezone": "Europe/Paris",
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def _booking(app: Flask, booking_id: str) -> Booking:
    with app.app_context():
        row = db.session.get(Booking, uuid.UUID(booking_id))
        assert row is not None
        db.session.expunge(row)
        return row


def test_a_host_runs_the_business_from_the_console(
    app: Flask, google: EmulatorServer, chromium: Browser
) -> None:
    base = str(app.config["BASE_URL"])
    google.add_account(EMAIL, "Hana Host")
    google.set_authorization("approve", EMAIL, None)
    context = new_context(chromium, locale="en-GB", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors = watch_console(tab)

    tab.goto(base + "/")
    _checked(tab, "home")
    _press(tab, "Sign in with Google", "link")
    tab.wait_for_url(base + "/console")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Welcome, Hana Host")
    _checked(tab, "start")

    # Calendar: only free/busy first; the page says what is off and offers the rest.
    _press(tab, "Calendar", "link")
    tab.wait_for_url(base + "/console/calendar")
    google.set_authorization("approve", EMAIL, [FREEBUSY])
    _press(tab, "Connect Google Calendar", "link")
    tab.wait_for_url(base + "/console/calendar")
    expect(tab.locator("#calendar-state")).to_contain_text("some permissions are off")
    expect(tab.locator("main")).to_contain_text("Without it, bookings cannot be put into")
    _checked(tab, "calendar-partial")
    google.set_authorization("approve", EMAIL, [FREEBUSY, EVENTS])
    _press(tab, "Grant the missing permissions at Google", "link")
    tab.wait_for_url(base + "/console/calendar")
    expect(tab.locator("#calendar-state")).to_contain_text("Connected, with every permission.")

    # Profile: a reserved address is refused beside the field, then a good one saved.
    tab.goto(base + "/console")
    tab.get_by_label("Public address").fill("console")
    tab.get_by_label("Time zone").select_option("UTC")
    _press(tab, "Save profile")
    expect(tab.locator("#f-slug-error")).to_contain_text("reserved for a page of Kaleno")
    _checked(tab, "start-error")
    tab.get_by_label("Public address").fill("hana")
    _press(tab, "Save profile")
    expect(tab.locator("#public-page")).to_have_text(f"{base}/hana")

    # Hours: two intervals on Mondays, every day open around the booked hours.
    tab.goto(base + "/console/hours")
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        tab.get_by_label(day).fill("08:00-12:00, 13:00-24:00")
    _press(tab, "Save hours")
    expect(tab.locator("main")).to_contain_text("Saved.")
    _checked(tab, "hours")

    # An event type, with its public link to copy.
    tab.goto(base + "/console/event-types/new")
    tab.get_by_label("Title").fill("Intro call")
    tab.get_by_label("Address", exact=True).fill("intro")
    _checked(tab, "event-type-form")
    _press(tab, "Save event type")
    expect(tab.get_by_label("Public link to “Intro call”")).to_have_value(f"{base}/hana/intro")
    _checked(tab, "event-types")

    # Customers book; the host sees both, with the sync state in words, and cancels one.
    kept, cancelled = _book(base, 9), _book(base, 10)
    tab.goto(base + "/console/bookings")
    expect(tab.locator(f'[data-booking="{kept}"]')).to_contain_text("In your Google Calendar.")
    _checked(tab, "bookings")
    tab.locator(f'[data-booking="{kept}"]').get_by_role("link", name="Move").click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("Move a booking")
    expect(tab.locator(".slot-list")).to_be_visible()
    _checked(tab, "move")
    tab.go_back()
    card = tab.locator(f'[data-booking="{cancelled}"]').get_by_role("button", name="Cancel")
    tab_to(tab, card)
    tab.keyboard.press("Enter")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Cancel this booking?")
    _checked(tab, "confirm")
    _press(tab, "Cancel the booking")
    expect(tab.locator("main")).to_contain_text("The booking is cancelled.")
    assert _booking(app, cancelled).status == "cancelled"
    assert _booking(app, kept).status == "confirmed"

    # An API key for the CRM, made with the form and shown this once.
    tab.goto(base + "/console/integrations")
    tab.get_by_label("Name", exact=True).fill("CRM")
    tab.get_by_label("bookings:read", exact=True).check()
    _press(tab, "Create an API key")
    expect(tab.locator("#shown-once")).to_contain_text("Copy it now")
    expect(tab.locator("#api-keys")).to_contain_text("CRM")
    _checked(tab, "integrations")

    # Disconnect (keeping the events), with the receipt on the page.
    tab.goto(base + "/console/calendar")
    _press(tab, "Disconnect Google Calendar")
    _press(tab, "Disconnect")
    expect(tab.locator("#receipt")).to_contain_text("Yes, Google confirmed it")
    _checked(tab, "disconnected")

    # The export downloads and parses against the published schema.
    tab.goto(base + "/console/privacy")
    _checked(tab, "privacy")
    with tab.expect_download() as download_info:
        _press(tab, "Download all your data (JSON)", "link")
    path = download_info.value.path()
    document = HostExport.model_validate(json.loads(path.read_text()))
    assert document.model_dump()  # a valid document

    # Delete the account with one future booking: the page says so; cancel it now.
    _press(tab, "Delete my account")
    expect(tab.locator("main")).to_contain_text("You have 1 future booking.")
    tab.get_by_label("Cancel my future bookings now").check()
    _press(tab, "Delete my account")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Your account is deleted")
    _checked(tab, "erased")
    assert _booking(app, kept).status == "cancelled"
    with app.app_context():
        assert db.session.query(User).one().email is None
    # A refused form answers 400 on purpose (Chromium logs that); nothing else may show up,
    # a CSP violation least of all.
    assert [e for e in errors if "status of 400" not in e] == []
    context.close()


def test_the_console_in_indonesian_without_javascript(
    app: Flask, google: EmulatorServer, chromium: Browser
) -> None:
    base = str(app.config["BASE_URL"])
    google.add_account(EMAIL, "Hana Host")
    google.set_authorization("approve", EMAIL, None)
    context = new_context(chromium, java_script_enabled=False, locale="id-ID")
    tab = context.new_page()
    tab.goto(base + "/")
    assert tab.locator("html").get_attribute("lang") == "id"
    tab.get_by_role("link", name="Masuk dengan Google").click()
    tab.wait_for_url(base + "/console")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Selamat datang, Hana Host")
    tab.goto(base + "/console/hours")
    tab.get_by_label("Senin").fill("09:00-12:00, 13:00-24:00")
    tab.get_by_role("button", name="Simpan jam").click()
    expect(tab.locator("main")).to_contain_text("Tersimpan.")
    tab.get_by_label("Selasa").fill("9-12")
    tab.get_by_role("button", name="Simpan jam").click()
    expect(tab.locator("#f-tuesday-error")).to_contain_text("Tulis waktu seperti")
    assert tab.title() == "Kesalahan: Jam · Kaleno"
    context.close()
