"""Google creates Meet conferences asynchronously: a pending one is read again later."""

from __future__ import annotations

import time

from kaleno.bookings.sync_job import MAX_CONFERENCE_READS
from tests.bookings.conftest import Page, next_slot


def test_a_pending_meet_link_is_picked_up_later_without_rewriting_the_event(
    page: Page,
) -> None:
    page.google.settings(conference_status="pending", conference_ready_after_s=0.3)
    body = page.book(next_slot()).json()
    assert body["google"]["meet_link"] is None
    booking = page.booking(body["id"])
    assert booking.google_sync == "pending"
    assert "Meet" in (booking.google_sync_error or "")
    time.sleep(0.4)
    page.run_worker()
    shown = page.customer("GET", f"/api/bookings/{body['id']}", body["manage_token"]).json()
    assert shown["google"]["meet_link"].startswith("https://meet.google.com/")
    assert shown["google"]["sync"] == "synced"
    assert page.calls("calendar.events.get") == 1
    assert page.calls("calendar.events.patch") == 0  # no second update mail to the guest
    assert [j.status for j in page.jobs()] == ["done"]


def test_a_meet_link_that_never_comes_ends_the_rereads_visibly(page: Page) -> None:
    page.google.settings(conference_status="pending", conference_ready_after_s=3600)
    body = page.book(next_slot()).json()
    for _ in range(MAX_CONFERENCE_READS + 2):
        page.run_worker()
    booking = page.booking(body["id"])
    assert (booking.google_sync, booking.google_meet_link) == ("synced", None)
    assert "did not provide a link" in (booking.google_sync_error or "")
    assert page.calls("calendar.events.get") == MAX_CONFERENCE_READS
    assert [j.status for j in page.jobs()] == ["done"]
