"""The iCalendar SEQUENCE of a booking rises with each reschedule and cancel."""

from __future__ import annotations

from datetime import timedelta

from tests.bookings.conftest import Page, next_slot, rfc3339


def test_reschedule_and_cancel_raise_the_sequence(page: Page) -> None:
    start = next_slot()
    created = page.book(start)
    assert created.status_code == 201, created.text
    booking_id, token = created.json()["id"], created.json()["manage_token"]
    assert page.booking(booking_id).sequence == 0
    moved = page.customer(
        "PATCH",
        f"/api/bookings/{booking_id}",
        token,
        json={"start": rfc3339(start + timedelta(hours=3))},
    )
    assert moved.status_code == 200, moved.text
    assert page.booking(booking_id).sequence == 1
    cancelled = page.customer("POST", f"/api/bookings/{booking_id}/cancel", token, json={})
    assert cancelled.status_code == 200, cancelled.text
    assert page.booking(booking_id).sequence == 2
    again = page.customer("POST", f"/api/bookings/{booking_id}/cancel", token, json={})
    assert again.status_code == 200
    assert page.booking(booking_id).sequence == 2  # nothing changed, nothing to resend
