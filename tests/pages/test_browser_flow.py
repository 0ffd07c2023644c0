"""The whole customer flow in Chromium: a New York host, a visitor in Paris, keyboard only.

After each step: what the page says, what the database holds, what the emulator's
calendar holds, and that axe-core finds nothing.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from icalendar import Calendar
from playwright.sync_api import Browser, expect

from kaleno.extensions import db
from kaleno.models import Booking, utcnow
from kaleno.vault import fingerprint
from tests.pages.browser import (
    assert_accessible,
    assert_focus_visible,
    choose_radio,
    new_context,
    same_instant,
    screenshots,
    tab_to,
    watch_console,
)
from tests.pages.conftest import Page

PARIS = ZoneInfo("Europe/Paris")


def paris(days: int, hour: int) -> datetime:
    """``hour``:00 in Paris, ``days`` from today (Paris date)."""
    day = utcnow().astimezone(PARIS).date() + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=PARIS)


def only_booking(app: Flask) -> Booking:
    with app.app_context():
        (booking,) = db.session.query(Booking).all()
        db.session.expunge(booking)
        return booking


def test_book_reschedule_and_cancel_in_the_browser(
    app: Flask, named: Page, chromium: Browser
) -> None:
    context = new_context(
        chromium,
        timezone_id="Europe/Paris",
        locale="en-GB",
        viewport={"width": 1280, "height": 900},
    )
    page = context.new_page()
    console_errors = watch_console(page)
    start = paris(2, 10)

    # The host's page: its event type, reached and opened with the keyboard.
    page.goto(f"{named.base}/host")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hana Host")
    assert_accessible(page)
    screenshots(page, "host")
    link = page.get_by_role("link", name="Intro call")
    tab_to(page, link)
    assert_focus_visible(link)
    page.keyboard.press("Enter")

    # The booking page: the script shows the browser's zone; the host's is stated.
    page.wait_for_url(re.compile(r"/host/intro\?tz=Europe%2FParis"))
    expect(page.locator("main")).to_contain_text("Times are shown in Europe/Paris")
    expect(page.locator("main")).to_contain_text("America/New_York")
    day = page.locator(f'nav a[href*="date={start.date().isoformat()}"]')
    tab_to(page, day)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(f"date={start.date().isoformat()}"))
    assert_accessible(page)
    screenshots(page, "booking")

    # Choose 10:00 Paris time and fill the form, keyboard only.
    tab_to(page, page.locator('input[name="start"]').first)
    choose_radio(page, start.isoformat())
    assert_focus_visible(page.locator(f'input[value="{start.isoformat()}"]'))
    expect(page.get_by_label("10:00")).to_be_checked()
    name = page.get_by_label("Name")
    tab_to(page, name)
    assert_focus_visible(name)
    page.keyboard.type("Ada Customer")
    page.keyboard.press("Tab")
    page.keyboard.type("ada@example.org")
    button = page.get_by_role("button", name="Book this time")
    tab_to(page, button)
    assert_focus_visible(button)
    page.keyboard.press("Enter")

    # Confirmation: both zones, the Meet link, the calendar links, the manage link.
    expect(page.get_by_role("heading", level=1)).to_have_text("You are booked")
    main = page.locator("main")
    expect(main).to_contain_text("10:00\u201310:30")  # Paris
    expect(main).to_contain_text("04:00\u201304:30")  # New York
    expect(main).to_contain_text("https://meet.google.com/")
    booking = only_booking(app)
    assert booking.start_at == start and booking.customer_timezone == "Europe/Paris"
    assert (booking.customer_name, booking.customer_email) == ("Ada Customer", "ada@example.org")
    (event,) = named.live_events()
    assert same_instant(event["start"]["dateTime"], start)
    gcal = page.get_by_role("link", name="Add to Google Calendar").get_attribute("href") or ""
    assert gcal.startswith("https://calendar.google.com/calendar/render?action=TEMPLATE")
    assert f"dates={start.astimezone(UTC):%Y%m%dT%H%M%SZ}" in gcal
    ics = page.request.get(
        named.base
        + (page.get_by_role("link", name=re.compile(r"\.ics")).get_attribute("href") or "")
    )
    (vevent,) = Calendar.from_ical(ics.body()).walk("VEVENT")
    assert vevent["DTSTART"].dt == start and str(vevent["UID"]) == f"{booking.id}@kaleno"
    assert_accessible(page)
    screenshots(page, "confirmed")
    manage_link = page.locator("#manage-link").get_attribute("href") or ""
    token = manage_link.rsplit("/", 1)[1]
    assert fingerprint(token) == booking.manage_token_hash

    # The manage link: the token leaves the address at once, the cookie holds no secret.
    response = page.goto(manage_link)
    assert response is not None and response.headers["referrer-policy"] == "no-referrer"
    assert page.url == f"{named.base}/m/b/{booking.id}" and token not in page.url
    (grant,) = [c for c in context.cookies() if c["name"] == "kaleno_manage"]
    assert grant["httpOnly"] and grant["path"] == f"/m/b/{booking.id}"
    assert token not in grant["value"] and fingerprint(token) not in grant["value"]
    expect(page.get_by_role("heading", level=1)).to_have_text("Your booking")
    assert_accessible(page)
    screenshots(page, "manage")

    # Reschedule to 11:00 Paris time the next day.
    later = paris(3, 11)
    page.locator(f'nav a[href*="date={later.date().isoformat()}"]').click()
    page.get_by_label("11:00").check()
    page.get_by_role("button", name="Move my booking").click()
    expect(page.get_by_role("status")).to_contain_text("moved to the new time")
    moved = only_booking(app)
    assert moved.start_at == later and moved.sequence == 1
    (event,) = named.live_events()
    assert same_instant(event["start"]["dateTime"], later)
    assert_accessible(page)

    # Cancel with a reason.
    page.get_by_label("Reason").fill("Plans changed")
    page.get_by_role("button", name="Cancel my booking").click()
    expect(page.get_by_role("status")).to_contain_text("Your booking is cancelled.")
    cancelled = only_booking(app)
    assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "Plans changed")
    assert cancelled.sequence == 2 and cancelled.cancelled_by == "customer"
    assert named.live_events() == []
    ics = page.request.get(f"{named.base}/m/b/{booking.id}/booking.ics")
    assert Calendar.from_ical(ics.body())["METHOD"] == "CANCEL"
    assert_accessible(page)
    screenshots(page, "cancelled")
    assert console_errors == []  # no CSP violation, no script error
    context.close()


def test_booking_works_without_javascript_in_indonesian(
    app: Flask, named: Page, chromium: Browser
) -> None:
    context = new_context(chromium, java_script_enabled=False, locale="id-ID")
    page = context.new_page()
    new_york = ZoneInfo("America/New_York")
    day = utcnow().astimezone(new_york).date() + timedelta(days=2)
    start = datetime.combine(day, time(9), tzinfo=new_york)
    page.goto(f"{named.base}/host/intro")
    assert page.get_attribute("html", "lang") == "id"
    expect(page.locator("main")).to_contain_text("Waktu ditampilkan dalam America/New_York")
    page.locator(f'nav a[href*="date={day.isoformat()}"]').click()
    page.get_by_label("09.00").check()
    page.get_by_label("Nama").fill("Budi")
    page.get_by_label("Email").fill("budi@example.org")
    page.get_by_role("button", name="Pesan waktu ini").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pemesanan Anda berhasil")
    screenshots(page, "confirmed-id-nojs")
    booking = only_booking(app)
    assert booking.start_at == start and booking.customer_timezone == "America/New_York"
    assert len(named.live_events()) == 1
    context.close()
    # axe runs as a script: check the Indonesian pages in a context where scripts run.
    checked = new_context(chromium, locale="id-ID", timezone_id="Asia/Jakarta")
    page = checked.new_page()
    for path in ("/host", f"/host/intro?tz=Asia%2FJakarta&date={day}"):
        page.goto(named.base + path)
        assert page.get_attribute("html", "lang") == "id"
        assert_accessible(page)
    checked.close()


def test_bad_input_is_shown_beside_each_field_and_kept(
    app: Flask, named: Page, chromium: Browser
) -> None:
    context = new_context(chromium, timezone_id="Europe/Paris", locale="en-GB")
    page = context.new_page()
    page.goto(f"{named.base}/host/intro?tz=Europe%2FParis&date={paris(2, 10).date()}")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Phone").fill("call me")
    page.get_by_label("Notes").fill("Kept notes")
    page.get_by_role("button", name="Book this time").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the following")
    assert page.title().startswith("Error:")
    for field, message in (
        ("start", "Pick one of the free times."),
        ("name", "Enter your name"),
        ("email", "Enter an email address"),
        ("phone", "Enter a phone number"),
    ):
        expect(page.locator(f"#f-{field}-error")).to_contain_text(message)
    expect(page.get_by_label("Email")).to_have_value("not-an-email")
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Notes")).to_have_value("Kept notes")
    assert_accessible(page)
    screenshots(page, "booking-errors")
    with app.app_context():
        assert db.session.query(Booking).count() == 0

    # The manage forms: no time chosen, a reason too long.
    created = named.book(paris(2, 12))
    page.goto(f"{named.base}/m/{created.json()['manage_token']}")
    page.get_by_role("button", name="Move my booking").click()
    expect(page.locator("#f-start-error")).to_contain_text("Pick one of the free times.")
    reason = page.get_by_label("Reason")
    reason.evaluate("element => element.removeAttribute('maxlength')")
    reason.fill("x" * 501)
    page.get_by_role("button", name="Cancel my booking").click()
    expect(page.locator("#f-reason-error")).to_contain_text("at most 500 characters")
    expect(page.get_by_label("Reason")).to_have_value("x" * 501)
    assert_accessible(page)
    booking = only_booking(app)
    assert booking.status == "confirmed" and booking.start_at == paris(2, 12)
    for path in ("/nobody", "/m/not-a-token"):  # the message pages
        page.goto(named.base + path)
        assert_accessible(page)
    context.close()


def test_a_double_submit_books_once(app: Flask, named: Page, chromium: Browser) -> None:
    context = new_context(chromium, timezone_id="Europe/Paris", locale="en-GB")
    page = context.new_page()
    start = paris(2, 10)
    page.goto(f"{named.base}/host/intro?tz=Europe%2FParis&date={start.date()}")
    form = {
        "key": page.locator('input[name="key"]').get_attribute("value") or "",
        "tz": "Europe/Paris",
        "start": start.isoformat(),
        "name": "Ada",
        "email": "ada@example.org",
    }
    url = f"{named.base}/host/intro"
    first = page.request.post(url, form=form)
    second = page.request.post(url, form=form)  # the same rendered form sent again
    assert first.status == 200 and "You are booked" in first.text()
    assert second.status == 200 and "already made" in second.text()
    # With the script, a double click sends the form once.
    later = paris(2, 14)
    page.goto(f"{named.base}/host/intro?tz=Europe%2FParis&date={later.date()}")
    page.get_by_label("14:00").check()
    page.get_by_label("Name").fill("Bea")
    page.get_by_label("Email").fill("bea@example.org")
    page.get_by_role("button", name="Book this time").dblclick()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are booked")
    with app.app_context():
        starts = sorted(b.start_at for b in db.session.query(Booking))
    assert starts == [start, later]
    assert len(named.live_events()) == 2
    context.close()


def test_a_slot_taken_meanwhile_is_said_on_the_same_page(
    app: Flask, named: Page, chromium: Browser
) -> None:
    context = new_context(chromium, timezone_id="Europe/Paris", locale="en-GB")
    page = context.new_page()
    start = paris(2, 10)
    page.goto(f"{named.base}/host/intro?tz=Europe%2FParis&date={start.date()}")
    page.get_by_label("10:00").check()
    page.get_by_label("Name").fill("Ada")
    page.get_by_label("Email").fill("ada@example.org")
    taken = named.book(start, key=uuid.uuid4().hex)  # someone else, meanwhile
    assert taken.status_code == 201
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Book this time").click()
    assert answer.value.status == 409
    expect(page.get_by_role("alert")).to_contain_text("that time was just taken")
    expect(page.get_by_label("Name")).to_have_value("Ada")
    assert page.locator(f'input[value="{start.isoformat()}"]').count() == 0
    assert page.get_by_label("10:30").count() == 1  # fresh times are offered
    assert_accessible(page)
    with app.app_context():
        assert db.session.query(Booking).count() == 1
    context.close()
