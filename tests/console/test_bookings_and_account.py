"""Bookings as the host sees them; disconnect with its receipt; export; account deletion."""

from __future__ import annotations

import html
import json
import re
import uuid
from datetime import timedelta

from flask import Flask

from kaleno.extensions import db
from kaleno.models import Booking, User, utcnow
from kaleno.privacy.export import HostExport
from tests.bookings.conftest import next_slot
from tests.console.conftest import Page, csrf_of, submit
from tests.pages.forms import starts

EN = {"Accept-Language": "en"}


def test_host_sees_a_booking_with_its_sync_state_and_cancels_it(app: Flask, page: Page) -> None:
    made = page.book(next_slot(days=3), name="Ada Customer")
    assert made.status_code == 201, made.text
    booking_id = made.json()["id"]
    listing = page.browser.get("/console/bookings", headers=EN).text
    assert f'data-booking="{booking_id}"' in listing and "Ada Customer" in listing
    assert "In your Google Calendar." in listing
    assert len(page.live_events()) == 1

    ask = submit(page.browser, "/console/bookings", f"/console/bookings/{booking_id}/cancel")
    assert ask.status_code == 200 and "Cancel this booking?" in ask.text
    assert page.booking(booking_id).status == "confirmed"  # nothing happens before confirming
    done = page.browser.post(
        f"/console/bookings/{booking_id}/cancel",
        data={"csrf_token": csrf_of(ask.text), "confirmed": "yes"},
    )
    assert done.status_code == 303
    cancelled = page.booking(booking_id)
    assert (cancelled.status, cancelled.cancelled_by) == ("cancelled", "host")
    assert page.live_events() == []
    only_cancelled = page.browser.get("/console/bookings?status=cancelled", headers=EN).text
    assert booking_id in only_cancelled
    assert booking_id not in page.browser.get("/console/bookings?status=confirmed").text


def test_host_moves_a_booking_and_retries_a_failed_sync(app: Flask, page: Page) -> None:
    start = next_slot(days=3, hour=10)
    booking_id = page.book(start).json()["id"]
    form = page.browser.get(f"/console/bookings/{booking_id}/move", headers=EN).text
    later = next_slot(days=3, hour=12).isoformat()  # the host's zone is UTC
    assert later in starts(form)  # the booking page's free times, on the booking's day
    not_offered = page.browser.post(
        f"/console/bookings/{booking_id}/move",
        data={"csrf_token": csrf_of(form), "start": later.replace(":00:00+", ":07:00+")},
        headers=EN,
    )
    assert not_offered.status_code == 409 and "that time was just taken" in not_offered.text
    bad = page.browser.post(
        f"/console/bookings/{booking_id}/move",
        data={"csrf_token": csrf_of(form), "start": "soon"},
        headers=EN,
    )
    assert bad.status_code == 400 and 'id="f-start-error"' in bad.text
    moved = page.browser.post(
        f"/console/bookings/{booking_id}/move",
        data={"csrf_token": csrf_of(form), "start": later},
    )
    assert moved.status_code == 303, moved.text
    assert page.booking(booking_id).start_at.hour == 12

    with app.app_context():
        row = db.session.get(Booking, uuid.UUID(booking_id))
        assert row is not None
        row.google_sync, row.google_sync_error = "failed", "Google answered 500"
        db.session.commit()
    listing = page.browser.get("/console/bookings", headers=EN).text
    assert (
        "Google Calendar could not be updated; you can try again. (Google answered 500)" in listing
    )
    retried = submit(page.browser, "/console/bookings", f"/console/bookings/{booking_id}/retry")
    assert retried.status_code == 303
    assert page.booking(booking_id).google_sync == "pending"
    page.run_worker()
    assert page.booking(booking_id).google_sync == "synced"


def test_disconnect_asks_then_shows_the_receipt(app: Flask, page: Page) -> None:
    page.book(next_slot(days=3))
    ask = submit(page.browser, "/console/calendar", "/console/calendar/disconnect")
    assert ask.status_code == 200 and "Disconnect Google Calendar?" in ask.text
    assert len(page.live_events()) == 1
    done = page.browser.post(
        "/console/calendar/disconnect",
        data={"csrf_token": csrf_of(ask.text), "confirmed": "yes", "delete_future_events": "yes"},
        headers=EN,
    )
    assert done.status_code == 200
    assert 'id="receipt"' in done.text and "Yes, Google confirmed it" in done.text
    assert page.live_events() == []
    assert "Not connected." in done.text or "Disconnected." in done.text


def test_export_download_parses_against_the_published_schema(page: Page) -> None:
    shown = page.browser.get("/console/privacy", headers=EN)
    assert 'href="/api/me/export"' in shown.text
    download = page.browser.get("/api/me/export")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    HostExport.model_validate(json.loads(download.content))


def test_restrict_asks_first_and_lift_undoes_it(app: Flask, page: Page) -> None:
    ask = submit(page.browser, "/console/privacy", "/console/privacy/restriction")
    assert "Restrict processing?" in ask.text
    page.browser.post(
        "/console/privacy/restriction", data={"csrf_token": csrf_of(ask.text), "confirmed": "yes"}
    )
    assert "Restricted since" in page.browser.get("/console/privacy", headers=EN).text
    submit(page.browser, "/console/privacy", "/console/privacy/restriction/lift")
    shown = page.browser.get("/console/privacy", headers=EN).text
    assert "Not restricted." in shown
    activity = shown[shown.index('id="activity"') :]
    assert activity.index("You lifted the restriction.") < activity.index(
        "You restricted processing."
    )  # newest first


def test_account_deletion_with_a_future_booking_waits_or_cancels(app: Flask, page: Page) -> None:
    booking_id = page.book(next_slot(days=3)).json()["id"]
    ask = submit(page.browser, "/console/privacy", "/console/privacy/delete")
    assert "You have 1 future booking." in ask.text
    assert 'name="cancel_future_bookings"' in ask.text
    token = csrf_of(ask.text)
    waiting = page.browser.post(
        "/console/privacy/delete", data={"csrf_token": token, "confirmed": "yes"}, headers=EN
    )
    assert waiting.status_code == 200 and "Erasure accepted" in waiting.text
    assert page.booking(booking_id).status == "confirmed"

    erased = page.browser.post(
        "/console/privacy/delete",
        data={"csrf_token": token, "confirmed": "yes", "cancel_future_bookings": "yes"},
        headers=EN,
    )
    assert erased.status_code == 200 and "Your account is deleted" in erased.text
    assert "Future bookings cancelled" in erased.text
    assert page.booking(booking_id).status == "cancelled"
    with app.app_context():
        host = db.session.get(User, page.host_id)
        assert host is not None and host.email is None
    assert page.browser.get("/console").status_code == 302  # signed out


def _past_bookings(page: Page, count: int) -> list[uuid.UUID]:
    """``count`` past bookings an hour apart, newest first; return their ids in that order."""
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    ids = []
    with page.app.app_context():
        for hours_ago in range(1, count + 1):
            start = now - timedelta(hours=hours_ago * 2)
            booking = Booking(
                id=uuid.uuid4(),
                host_id=page.host_id,
                event_type_id=page.event_type_id,
                status="confirmed",
                active=True,
                start_at=start,
                end_at=start + timedelta(minutes=30),
                blocked_start=start,
                blocked_end=start + timedelta(minutes=30),
                customer_name=f"Customer {hours_ago}",
                customer_email=f"c{hours_ago}@example.org",
            )
            db.session.add(booking)
            ids.append(booking.id)
        db.session.commit()
    return ids


def _listed(html: str) -> list[uuid.UUID]:
    return [uuid.UUID(found) for found in re.findall(r'data-booking="([^"]+)"', html)]


def test_past_bookings_come_newest_first_a_page_at_a_time(page: Page) -> None:
    newest_first = _past_bookings(page, 55)
    first = page.browser.get("/console/bookings?when=past", headers=EN)
    assert first.status_code == 200
    assert _listed(first.text) == newest_first[:50]
    more = re.search(r'id="more" href="([^"]+)"', first.text)
    assert more and "Earlier bookings" in first.text
    second = page.browser.get(html.unescape(more.group(1)), headers=EN)
    assert _listed(second.text) == newest_first[50:]
    assert 'id="more"' not in second.text and 'id="first-page"' in second.text
    # A cursor the page did not give starts over instead of failing.
    again = page.browser.get("/console/bookings?when=past&cursor=not-ours", headers=EN)
    assert again.status_code == 200 and _listed(again.text) == newest_first[:50]
