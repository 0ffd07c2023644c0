"""The outbox keeps Google in line with the bookings: faults, crashes, lost answers, parking."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest
from flask import Flask

from kaleno.bookings.google_event import google_event_id
from kaleno.bookings.sync_job import SYNC_KIND
from kaleno.extensions import db
from kaleno.google import calendar
from kaleno.google.endpoints import current_endpoints
from kaleno.grant.tokens import access_token_for
from kaleno.models import GoogleConnection, OutboxJob, User, utcnow
from kaleno.models.google_connection import EVENTS_SCOPE
from kaleno.outbox import MAX_ATTEMPTS
from kaleno.worker import run_worker
from tests.auth.browser import FREEBUSY
from tests.bookings.conftest import HOST_EMAIL, Page, make_due, next_slot


@pytest.fixture
def no_inline_sync(app: Flask) -> Iterator[None]:
    """Requests leave every Google write to the worker (as if killed right after commit)."""
    app.config["BOOKING_INLINE_SYNC"] = False
    yield
    app.config.pop("BOOKING_INLINE_SYNC")


def _sync_state(page: Page, booking_id: str) -> str:
    return str(page.booking(booking_id).google_sync)


def test_500_500_then_200_gives_exactly_one_event(page: Page) -> None:
    page.google.fault("calendar.events.insert", 500, count=2)
    created = page.book(next_slot())
    assert created.status_code == 201
    body = created.json()
    assert body["google"]["sync"] == "pending"  # confirmed anyway; the outbox retries
    assert body["status"] == "confirmed"
    page.run_worker()
    [job] = page.jobs()
    assert (job.status, job.attempts) == ("pending", 2)
    assert job.next_attempt_at > utcnow()  # backed off
    page.run_worker()
    assert [j.status for j in page.jobs()] == ["done"]
    assert page.calls("calendar.events.insert") == 3
    [event] = page.events()
    assert event["id"] == google_event_id(uuid.UUID(body["id"]))
    shown = page.customer("GET", f"/api/bookings/{body['id']}", body["manage_token"]).json()
    assert shown["google"]["sync"] == "synced"
    assert shown["google"]["html_link"]


def test_429_is_retried(page: Page) -> None:
    page.google.fault("calendar.events.insert", 429, count=1)
    body = page.book(next_slot()).json()
    assert body["google"]["sync"] == "pending"
    assert page.booking(body["id"]).google_sync_error
    page.run_worker()
    assert _sync_state(page, body["id"]) == "synced"
    assert page.booking(body["id"]).google_sync_error is None
    assert len(page.live_events()) == 1


def test_crash_between_commit_and_google_is_repaired_by_the_worker(
    page: Page, no_inline_sync: None
) -> None:
    body = page.book(next_slot()).json()
    assert body["google"]["sync"] == "pending"
    assert page.events() == []  # committed, Google not told yet
    assert page.run_worker() == 1
    [event] = page.events()
    assert event["id"] == google_event_id(uuid.UUID(body["id"]))
    assert _sync_state(page, body["id"]) == "synced"
    assert page.run_worker() == 0  # nothing left to do


def test_insert_that_landed_but_whose_answer_was_lost_is_not_duplicated(
    page: Page, no_inline_sync: None
) -> None:
    body = page.book(next_slot()).json()
    event_id = google_event_id(uuid.UUID(body["id"]))
    # Google created the event, the worker died before recording it.
    page.google.add_event(
        HOST_EMAIL,
        "primary",
        {
            "id": event_id,
            "summary": "half-written",
            "start": {"dateTime": body["start"]},
            "end": {"dateTime": body["end"]},
        },
    )
    page.run_worker()
    [event] = page.events()
    assert event["summary"] == "Intro call with Ada Customer"
    assert page.calls("calendar.events.insert") == 1  # answered 409 duplicate
    booking = page.booking(body["id"])
    assert (booking.google_sync, booking.google_event_id) == ("synced", event_id)


def test_a_failing_google_ends_in_failed_visible_to_the_host(page: Page) -> None:
    page.google.fault("calendar.events.insert", 500, count=MAX_ATTEMPTS)
    body = page.book(next_slot()).json()
    for _ in range(MAX_ATTEMPTS - 1):
        page.run_worker()
    [job] = page.jobs()
    assert (job.status, job.attempts) == ("failed", MAX_ATTEMPTS)
    listed = page.host("GET", "/api/bookings").json()["items"]
    assert listed[0]["google"]["sync"] == "failed"
    assert "500" in listed[0]["google"]["error"]
    assert page.run_worker() == 0
    assert page.events() == []
    # A later change queues fresh work, which succeeds now that Google is back.
    moved = page.host("PATCH", f"/api/bookings/{body['id']}", json={"start": body["end"]})
    assert moved.status_code == 200
    assert moved.json()["google"]["sync"] == "synced"
    assert len(page.live_events()) == 1


def test_missing_events_scope_parks_the_work_until_reconnected(page: Page) -> None:
    with page.app.app_context():  # the host granted free/busy only
        conn = db.session.query(GoogleConnection).one()
        conn.granted_scopes = FREEBUSY
        db.session.commit()
    body = page.book(next_slot()).json()
    assert body["google"]["sync"] == "parked"
    assert "event access" in page.booking(body["id"]).google_sync_error
    assert page.run_worker() == 0  # parked work is not retried blindly
    assert page.events() == []
    assert page.browser.connect_calendar(HOST_EMAIL).status_code == 302
    assert _sync_state(page, body["id"]) == "pending"
    assert page.run_worker() == 1
    assert _sync_state(page, body["id"]) == "synced"
    assert len(page.events()) == 1


def test_a_revoked_grant_parks_the_work(page: Page, no_inline_sync: None) -> None:
    body = page.book(next_slot()).json()
    page.google.fault("oauth2.token.refresh", 400, count=1)
    with page.app.app_context():  # the stored access token is stale: a refresh is needed
        conn = db.session.query(GoogleConnection).one()
        conn.access_token_expires_at = utcnow()
        db.session.commit()
    page.run_worker()
    assert _sync_state(page, body["id"]) == "parked"
    assert [j.status for j in page.jobs()] == ["parked"]
    assert page.browser.connect_calendar(HOST_EMAIL).status_code == 302
    page.run_worker()
    assert _sync_state(page, body["id"]) == "synced"


def test_reschedule_patches_and_cancel_deletes_the_event(page: Page) -> None:
    body = page.book(next_slot()).json()
    moved = page.host("PATCH", f"/api/bookings/{body['id']}", json={"start": body["end"]})
    assert moved.status_code == 200, moved.text
    [event] = page.events()
    google_start = datetime.fromisoformat(event["start"]["dateTime"].replace("Z", "+00:00"))
    assert google_start == datetime.fromisoformat(moved.json()["start"])
    assert page.calls("calendar.events.patch") == 1
    cancelled = page.host("POST", f"/api/bookings/{body['id']}/cancel", json={})
    assert cancelled.json()["google"]["sync"] == "synced"
    assert page.live_events() == []
    assert page.calls("calendar.events.insert") == 1


def test_cancel_succeeds_when_the_event_is_already_gone(page: Page) -> None:
    body = page.book(next_slot()).json()
    with page.app.app_context():
        host = db.session.query(User).one()
        token = access_token_for(host, EVENTS_SCOPE, utcnow())
        api = current_endpoints().calendar_api
        calendar.delete_event(api, token, body["google"]["event_id"], send_updates="none")
    response = page.customer(
        "POST", f"/api/bookings/{body['id']}/cancel", body["manage_token"], json={}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["google"]["sync"] == "synced"
    assert [j.status for j in page.jobs()] == ["done", "done"]


def test_two_workers_share_the_outbox_without_doing_a_job_twice(
    page: Page, no_inline_sync: None
) -> None:
    for hour in range(8, 18):
        assert page.book(next_slot(hour=hour)).status_code == 201
    with page.app.app_context():
        make_due()
    ran: list[int] = []

    def worker() -> None:
        with page.app.app_context():
            ran.append(run_worker(once=True, kinds=(SYNC_KIND,)))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(ran) == 10
    assert page.calls("calendar.events.insert") == 10
    assert len(page.events()) == 10
    assert {j.status for j in page.jobs()} == {"done"}


def test_the_worker_also_runs_queued_grant_revocations(page: Page) -> None:
    with page.app.app_context():  # what kaleno.privacy queues when Google was unreachable
        db.session.add(OutboxJob(kind="google.revoke", user_id=page.host_id, payload={}))
        db.session.commit()
    assert page.run_worker() == 1
    assert [(j.kind, j.status) for j in page.jobs()] == [("google.revoke", "done")]
