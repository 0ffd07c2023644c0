"""Disconnect then reconnect: only bookings that have not ended are synced again."""

from __future__ import annotations

from datetime import timedelta

from kaleno.bookings.google_event import google_event_id
from kaleno.extensions import db
from kaleno.models import Booking, utcnow
from tests.bookings.conftest import HOST_EMAIL, Page, next_slot
from tests.bookings.test_sync_deleted_in_google import _delete_in_google
from tests.privacy import factories


def test_reconnect_resumes_future_bookings_only(page: Page) -> None:
    future = page.book(next_slot()).json()
    past_start = utcnow().replace(microsecond=0) - timedelta(days=3)
    past_id = factories.booking(page.app, page.host_id, page.event_type_id, past_start)
    past_event = google_event_id(past_id)
    page.google.add_event(
        HOST_EMAIL,
        "primary",
        {
            "id": past_event,
            "summary": "Intro call with Gina Guest",
            "start": {"dateTime": past_start.isoformat()},
            "end": {"dateTime": (past_start + timedelta(minutes=30)).isoformat()},
        },
    )
    with page.app.app_context():  # the past appointment was synced back then
        row = db.session.get(Booking, past_id)
        assert row is not None
        row.google_event_id, row.google_sync = past_event, "synced"
        db.session.commit()
    _delete_in_google(page, past_event)  # the host tidied their calendar since
    assert page.host("DELETE", "/api/calendar").status_code == 200
    assert page.browser.connect_calendar(HOST_EMAIL).status_code == 302
    page.run_worker()
    updates = page.google.state()["send_updates"]
    writes = [u["eventId"] for u in updates if u["method"] != "calendar.events.delete"]
    assert not [w for w in writes if w.startswith(past_event)]  # no mail to that customer
    assert not [e for e in page.live_events() if e["id"].startswith(past_event)]
    assert page.booking(str(past_id)).google_sync != "parked"
    resumed = page.booking(future["id"])
    assert resumed.google_sync == "synced"
    assert resumed.google_event_id in [e["id"] for e in page.live_events()]
