"""The host deleted the booking's event in Google: Kaleno replaces it under a new id.

Google keeps a deleted event's id: a re-insert answers 409 duplicate and an update 403,
so patching it back cannot work; a rescheduled time would never reach the calendar.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from kaleno.bookings.google_event import google_event_id
from kaleno.extensions import db
from kaleno.google import calendar
from kaleno.google.endpoints import current_endpoints
from kaleno.grant.tokens import access_token_for
from kaleno.models import User, utcnow
from kaleno.models.google_connection import EVENTS_SCOPE
from tests.bookings.conftest import Page, next_slot


def _delete_in_google(page: Page, event_id: str) -> None:
    """Delete the event as the calendar's owner, through the Calendar API."""
    with page.app.app_context():
        host = db.session.query(User).one()
        token = access_token_for(host, EVENTS_SCOPE, utcnow())
        api = current_endpoints().calendar_api
        calendar.delete_event(api, token, event_id, send_updates="none")


def _start(event: dict[str, object]) -> datetime:
    value = event["start"]["dateTime"]  # type: ignore[index]
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def test_reschedule_after_the_event_was_deleted_in_google_makes_a_new_event(page: Page) -> None:
    body = page.book(next_slot()).json()
    first_id = google_event_id(uuid.UUID(body["id"]))
    assert body["google"]["event_id"] == first_id
    _delete_in_google(page, first_id)
    moved = page.host("PATCH", f"/api/bookings/{body['id']}", json={"start": body["end"]})
    assert moved.status_code == 200, moved.text
    shown = moved.json()["google"]
    assert shown["sync"] == "synced", shown
    assert shown["event_id"] not in (None, first_id)
    [live] = page.live_events()
    assert live["id"] == shown["event_id"]
    assert _start(live) == datetime.fromisoformat(moved.json()["start"])
    assert page.booking(body["id"]).google_event_id == live["id"]
    # Moving it again patches the replacement; no further event appears.
    again = page.host("PATCH", f"/api/bookings/{body['id']}", json={"start": moved.json()["end"]})
    assert again.json()["google"]["event_id"] == live["id"]
    assert [e["id"] for e in page.live_events()] == [live["id"]]


def test_cancel_after_replacement_deletes_the_replacement(page: Page) -> None:
    body = page.book(next_slot()).json()
    _delete_in_google(page, body["google"]["event_id"])
    moved = page.host("PATCH", f"/api/bookings/{body['id']}", json={"start": body["end"]})
    assert len(page.live_events()) == 1
    cancelled = page.host("POST", f"/api/bookings/{body['id']}/cancel", json={})
    assert cancelled.json()["google"]["sync"] == "synced"
    assert page.live_events() == []
    assert moved.json()["google"]["event_id"] != body["google"]["event_id"]
