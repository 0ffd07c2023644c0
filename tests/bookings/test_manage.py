"""Reschedule, cancel, show and list: the host by session, the customer by manage token."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import requests

from kaleno.extensions import db
from kaleno.models import Booking, EventType, utcnow
from tests.auth.browser import Browser
from tests.bookings.conftest import Page, next_slot, rfc3339


def _book(page: Page, start: datetime | None = None, **changes: Any) -> dict[str, Any]:
    response = page.book(start or next_slot(), **changes)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_customer_reschedules_with_the_manage_token(page: Page) -> None:
    first = next_slot()
    booking = _book(page, first)
    later = first + timedelta(hours=2)
    moved = page.customer(
        "PATCH",
        f"/api/bookings/{booking['id']}",
        booking["manage_token"],
        json={"start": rfc3339(later)},
    )
    assert moved.status_code == 200, moved.text
    assert datetime.fromisoformat(moved.json()["start"]) == later
    assert page.book(first).status_code == 201  # the old time is free again


def test_reschedule_may_overlap_the_booking_s_own_old_time(page: Page) -> None:
    page.add_event_type("hour", duration_minutes=60)
    first = next_slot()
    booking = _book(page, first, event_slug="hour")
    moved = page.host(
        "PATCH",
        f"/api/bookings/{booking['id']}",
        json={"start": rfc3339(first + timedelta(minutes=30))},
    )
    assert moved.status_code == 200, moved.text


def test_reschedule_to_a_taken_or_unoffered_time_is_409(page: Page) -> None:
    first, taken = next_slot(hour=10), next_slot(hour=12)
    booking = _book(page, first)
    _book(page, taken)
    for start in (taken, first.replace(minute=7)):
        response = page.host(
            "PATCH", f"/api/bookings/{booking['id']}", json={"start": rfc3339(start)}
        )
        assert response.status_code == 409
        assert response.json()["type"] == "urn:kaleno:problem:slot-unavailable"


def test_customer_cancel_frees_the_slot_at_once(page: Page) -> None:
    start = next_slot()
    booking = _book(page, start)
    response = page.customer(
        "POST",
        f"/api/bookings/{booking['id']}/cancel",
        booking["manage_token"],
        json={"reason": "ill"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["cancel_reason"]) == ("cancelled", "ill")
    assert body["cancelled_at"]
    assert page.book(start).status_code == 201
    again = page.customer(
        "POST", f"/api/bookings/{booking['id']}/cancel", booking["manage_token"], json={}
    )
    assert again.status_code == 200  # cancelling twice changes nothing
    moved = page.customer(
        "PATCH",
        f"/api/bookings/{booking['id']}",
        booking["manage_token"],
        json={"start": rfc3339(start + timedelta(hours=3))},
    )
    assert moved.status_code == 409
    assert moved.json()["type"] == "urn:kaleno:problem:booking-cancelled"


def test_cancellation_notice_binds_the_customer_not_the_host(page: Page) -> None:
    with page.app.app_context():
        event_type = db.session.get(EventType, page.event_type_id)
        assert event_type is not None
        event_type.cancellation_notice_minutes = 3 * 24 * 60
        db.session.commit()
    booking = _book(page, next_slot(days=2))
    path = f"/api/bookings/{booking['id']}"
    token = booking["manage_token"]
    late = page.customer("POST", f"{path}/cancel", token, json={})
    assert late.status_code == 409
    assert late.json()["type"] == "urn:kaleno:problem:too-late"
    moved = page.customer("PATCH", path, token, json={"start": rfc3339(next_slot(days=2, hour=14))})
    assert moved.json()["type"] == "urn:kaleno:problem:too-late"
    assert page.host("POST", f"{path}/cancel", json={}).status_code == 200


def test_wrong_missing_or_foreign_credentials_see_nothing(page: Page, app: Any) -> None:
    booking = _book(page)
    path = f"/api/bookings/{booking['id']}"
    assert page.customer("GET", path, "not-the-token").status_code == 404
    other = _book(page, next_slot(hour=14))
    assert page.customer("GET", path, other["manage_token"]).status_code == 404
    assert requests.get(page.base + path, timeout=10).status_code == 401
    basic = requests.get(page.base + path, headers={"Authorization": "Basic eDp5"}, timeout=10)
    assert basic.status_code == 401
    assert page.customer("GET", "/api/bookings", booking["manage_token"]).status_code == 401
    stranger = Browser(page.app, page.google)
    stranger.sign_in("stranger@example.com", "Someone Else")
    assert stranger.get(path).status_code == 404


def test_host_changes_need_the_csrf_token(page: Page) -> None:
    booking = _book(page)
    path = f"{page.base}/api/bookings/{booking['id']}/cancel"
    response = page.browser.http.post(path, json={}, timeout=10)
    assert response.status_code == 403
    assert response.json()["type"] == "urn:kaleno:problem:csrf-failed"


def test_validation_problems_name_the_fields(page: Page) -> None:
    start = next_slot()
    cases: list[tuple[dict[str, Any], set[str]]] = [
        ({"start": "2030-01-01T10:00:00"}, {"start"}),  # no offset
        ({"email": "not-an-email"}, {"email"}),
        ({"phone": "call me maybe"}, {"phone"}),
        ({"phone": "+" + "1" * 40}, {"phone"}),
        ({"notes": "x" * 2001}, {"notes"}),
        ({"timezone": "Mars/Olympus"}, {"timezone"}),
        ({"name": ""}, {"name"}),
        ({"surprise": 1}, {"surprise"}),
    ]
    for changes, fields in cases:
        response = requests.post(
            page.url(),
            json={**page.body(start), **changes},
            headers={"Idempotency-Key": "k"},
            timeout=10,
        )
        assert response.status_code == 400, changes
        assert {e["field"] for e in response.json()["errors"]} == fields
    missing = requests.post(
        page.url(), json={"start": rfc3339(start)}, headers={"Idempotency-Key": "k"}, timeout=10
    )
    assert {e["field"] for e in missing.json()["errors"]} == {"name", "email"}


def test_host_lists_with_filters_and_pages(page: Page) -> None:
    starts = [next_slot(days=2, hour=h) for h in (9, 10, 11, 12, 13)]
    ids = [_book(page, s)["id"] for s in starts]
    page.host("POST", f"/api/bookings/{ids[1]}/cancel", json={})
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        listed = page.host("GET", "/api/bookings", params=params).json()
        seen += [b["id"] for b in listed["items"]]
        cursor = listed["next_cursor"]
        if cursor is None:
            break
    assert seen == ids
    confirmed = page.host("GET", "/api/bookings", params={"status": "confirmed"}).json()
    assert [b["id"] for b in confirmed["items"]] == [ids[0], *ids[2:]]
    window = {"from": rfc3339(starts[2]), "to": rfc3339(starts[4])}
    assert [
        b["id"] for b in page.host("GET", "/api/bookings", params=window).json()["items"]
    ] == ids[2:4]
    assert all("manage_token" not in b for b in confirmed["items"])
    bad = page.host("GET", "/api/bookings", params={"cursor": "nonsense!"})
    assert bad.status_code == 400
    assert page.host("GET", "/api/bookings", params={"limit": 0}).status_code == 400


def test_a_booking_in_the_past_cannot_be_cancelled_by_the_customer(page: Page) -> None:
    booking = _book(page)
    with page.app.app_context():
        row = db.session.get(Booking, uuid.UUID(booking["id"]))
        assert row is not None
        row.start_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    response = page.customer(
        "POST", f"/api/bookings/{booking['id']}/cancel", booking["manage_token"], json={}
    )
    assert response.status_code == 409
