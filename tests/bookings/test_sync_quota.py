"""403 quotaExceeded (Calendar usage limits, e.g. invitations to external guests) is
transient: the event is retried later, and the host sees why it is pending."""

from __future__ import annotations

from tests.bookings.conftest import Page, next_slot


def test_quota_exceeded_is_retried_later_and_visible(page: Page) -> None:
    page.google.fault("calendar.events.insert", 403, count=1, reason="quotaExceeded")
    body = page.book(next_slot()).json()
    assert body["google"]["sync"] == "pending"
    listed = page.host("GET", "/api/bookings").json()["items"][0]["google"]
    assert listed["sync"] == "pending"
    assert "usage limits" in listed["error"]
    [job] = page.jobs()
    assert job.status == "pending"
    page.run_worker()
    assert page.booking(body["id"]).google_sync == "synced"
    assert len(page.live_events()) == 1
