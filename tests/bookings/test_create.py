"""Booking on a public page: the 201, the Google event, validation and availability."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta

import requests

from kaleno.bookings.google_event import google_event_id
from tests.bookings.conftest import Page, next_slot


def test_booking_is_created_and_written_to_google(page: Page) -> None:
    start = next_slot()
    response = page.book(start, notes="Bring the contract", phone="+33 1 23 45 67 89")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "confirmed"
    assert datetime.fromisoformat(body["start"]) == start
    assert body["start"].endswith(("+01:00", "+02:00"))  # the customer's zone, Europe/Paris
    assert datetime.fromisoformat(body["end"]) == start + timedelta(minutes=30)
    assert body["customer"] == {
        "name": "Ada Customer",
        "email": "ada@example.org",
        "phone": "+33 1 23 45 67 89",
        "timezone": "Europe/Paris",
    }
    assert body["event_type"]["slug"] == "intro"
    assert body["google"]["sync"] == "synced"
    assert body["google"]["event_id"] == google_event_id(uuid.UUID(body["id"]))
    assert body["google"]["meet_link"].startswith("https://meet.google.com/")
    assert body["google"]["html_link"]
    token = body["manage_token"]
    assert len(token) >= 43
    stored = page.booking(body["id"])
    assert stored.manage_token_hash == hashlib.sha256(token.encode()).hexdigest()
    [event] = page.events()
    assert event["id"] == body["google"]["event_id"]
    assert event["summary"] == "Intro call with Ada Customer"
    assert "Bring the contract" in event["description"]
    assert "ada@example.org" in [a["email"] for a in event["attendees"]]
    assert event["extendedProperties"]["private"] == {"kaleno_booking_id": body["id"]}
    assert page.calls("calendar.events.insert") == 1
    assert page.calls("calendar.freebusy.query") == 1
    assert page.google.state()["send_updates"][-1]["sendUpdates"] == "all"


def test_manage_token_is_only_in_the_201(page: Page) -> None:
    created = page.book(next_slot()).json()
    shown = page.customer("GET", f"/api/bookings/{created['id']}", created["manage_token"])
    assert shown.status_code == 200
    assert "manage_token" not in shown.json()
    assert {k: v for k, v in created.items() if k != "manage_token"} == shown.json()


def test_a_start_that_is_not_offered_is_409(page: Page) -> None:
    off_grid = next_slot().replace(minute=10)
    response = page.book(off_grid)
    assert response.status_code == 409
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "urn:kaleno:problem:slot-unavailable"
    assert page.events() == []


def test_busy_time_in_google_is_not_bookable(page: Page) -> None:
    start = next_slot()
    page.google.add_event(
        "host@example.com",
        "primary",
        {
            "summary": "dentist",
            "start": {"dateTime": start.isoformat()},
            "end": {"dateTime": (start.replace(minute=45)).isoformat()},
        },
    )
    assert page.book(start).status_code == 409


def test_unknown_page_is_404(page: Page) -> None:
    response = page.book(next_slot(), event_slug="nope")
    assert response.status_code == 404
    response = requests.post(
        f"{page.base}/api/pages/nobody/intro/bookings",
        json=page.body(next_slot()),
        headers={"Idempotency-Key": "k1"},
        timeout=10,
    )
    assert response.status_code == 404
