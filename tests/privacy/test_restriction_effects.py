"""While restricted: data kept, booking pages closed, no Google call; lifting resumes work."""

from __future__ import annotations

from datetime import timedelta

from tests.bookings.conftest import Page, next_slot, page  # noqa: F401 - the fixture

GOOGLE_METHODS = (
    "calendar.freebusy.query",
    "calendar.events.insert",
    "calendar.events.delete",
    "oauth2.token.refresh",
)


def _google_calls(page: Page) -> dict[str, int]:  # noqa: F811
    return {method: page.calls(method) for method in GOOGLE_METHODS}


def test_restriction_closes_pages_and_stops_google_calls(page: Page) -> None:  # noqa: F811
    start = next_slot(days=3)
    created = page.book(start)
    assert created.status_code == 201, created.text
    token = created.json()["manage_token"]
    booking_id = created.json()["id"]
    assert page.host("POST", "/api/me/restriction").status_code == 200
    before = _google_calls(page)

    day = start.date().isoformat()
    slots = page.browser.http.get(f"{page.base}/api/pages/host/intro/slots?from={day}&to={day}")
    assert slots.status_code == 409
    assert slots.json()["type"] == "urn:kaleno:problem:processing-restricted"
    assert page.browser.http.get(f"{page.base}/api/pages/host").status_code == 409
    assert page.book(start + timedelta(hours=2)).status_code == 409
    # The customer may still cancel: stored, but Google is not touched while restricted.
    cancel = page.customer("POST", f"/api/bookings/{booking_id}/cancel", token, json={})
    assert cancel.status_code == 200, cancel.text
    page.run_worker()
    assert _google_calls(page) == before
    assert page.booking(booking_id).google_sync == "parked"
    assert len(page.live_events()) == 1

    assert page.host("DELETE", "/api/me/restriction").status_code == 200
    page.run_worker()
    assert page.booking(booking_id).google_sync == "synced"
    assert page.live_events() == []
    assert page.browser.http.get(f"{page.base}/api/pages/host").status_code == 200
