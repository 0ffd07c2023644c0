"""A start that is not on the slot grid is refused before Google is asked anything."""

from __future__ import annotations

from datetime import timedelta

from tests.bookings.conftest import Page, next_slot, rfc3339

FREEBUSY = "calendar.freebusy.query"


def test_off_grid_bookings_and_reschedules_cost_no_google_call(page: Page) -> None:
    start = next_slot()
    before = page.calls(FREEBUSY)
    for off_grid in (start + timedelta(minutes=7), start + timedelta(days=400)):
        refused = page.book(off_grid)
        assert refused.status_code == 409, refused.text
    assert page.calls(FREEBUSY) == before
    booked = page.book(start)
    assert booked.status_code == 201, booked.text
    assert page.calls(FREEBUSY) == before + 1  # one fresh check for an on-grid start
    moved = page.customer(
        "PATCH",
        f"/api/bookings/{booked.json()['id']}",
        booked.json()["manage_token"],
        json={"start": rfc3339(start + timedelta(minutes=45))},
    )
    assert moved.status_code == 409
    assert page.calls(FREEBUSY) == before + 1
