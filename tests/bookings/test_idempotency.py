"""Idempotency-Key: replay, misuse (422), still running (409), concurrency, scope, expiry."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from flask import Flask

from kaleno.bookings.idempotency import request_hash, seal_token
from kaleno.bookings.schemas import BookingRequest
from kaleno.extensions import db
from kaleno.models import Booking, IdempotencyKey, utcnow
from tests.bookings.conftest import Page, next_slot
from tests.conftest import every_row


@pytest.fixture
def short_wait(app: Flask) -> Iterator[None]:
    """Duplicates wait only 0.2 s for the first request before answering 409."""
    app.config["BOOKING_IDEMPOTENCY_WAIT_S"] = 0.2
    yield
    app.config.pop("BOOKING_IDEMPOTENCY_WAIT_S")


def _bookings(page: Page) -> int:
    with page.app.app_context():
        return db.session.query(Booking).count()


def test_same_key_same_body_replays_the_first_answer(page: Page) -> None:
    start = next_slot()
    first = page.book(start, key="order-1")
    again = page.book(start, key="order-1")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert "manage_token" not in again.json()  # shown once (tests/bookings/test_replay.py)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _bookings(page) == 1
    assert page.calls("calendar.events.insert") == 1
    assert page.calls("calendar.freebusy.query") == 1


def test_manage_token_is_not_stored_in_clear(page: Page) -> None:
    token = page.book(next_slot(), key="order-1").json()["manage_token"]
    with page.app.app_context():
        row = db.session.query(IdempotencyKey).one()
        assert row.state == "done"
        assert row.response_body is None
    assert token not in every_row(page.app)


def _as_if_the_owner_died(page: Page, token: str) -> None:
    """Put the key back to "running", claimed long ago (its request died after booking)."""
    with page.app.app_context():
        row = db.session.query(IdempotencyKey).one()
        row.state, row.response_status = "running", None
        row.created_at = utcnow() - timedelta(minutes=5)
        # What the booking's commit leaves on the row: only the sealed token.
        row.response_body = seal_token(row.id, page.host_id, token)
        db.session.commit()


def test_a_request_that_died_after_booking_is_answered_by_the_retry(page: Page) -> None:
    start = next_slot()
    first = page.book(start, key="k")
    _as_if_the_owner_died(page, first.json()["manage_token"])
    retry = page.book(start, key="k")
    assert retry.status_code == 201
    assert retry.json()["id"] == first.json()["id"]
    assert retry.json()["manage_token"] == first.json()["manage_token"]
    assert _bookings(page) == 1
    replay = page.book(start, key="k").json()
    assert replay["id"] == retry.json()["id"] and "manage_token" not in replay


def test_a_request_that_died_before_booking_is_run_again(page: Page) -> None:
    start = next_slot()
    digest = request_hash(BookingRequest.model_validate(page.body(start)).model_dump(mode="json"))
    with page.app.app_context():
        long_ago = utcnow() - timedelta(minutes=5)
        db.session.add(
            IdempotencyKey(
                event_type_id=page.event_type_id,
                key="k",
                request_hash=digest,
                state="running",
                created_at=long_ago,
                expires_at=long_ago + timedelta(hours=24),
            )
        )
        db.session.commit()
    assert page.book(start, key="k").status_code == 201
    assert _bookings(page) == 1


def test_same_key_other_body_is_422(page: Page) -> None:
    start = next_slot()
    assert page.book(start, key="order-1").status_code == 201
    other = page.book(start, key="order-1", name="Someone Else")
    assert other.status_code == 422
    assert other.json()["type"] == "urn:kaleno:problem:idempotency-key-reused"
    assert _bookings(page) == 1


def test_same_key_while_the_first_still_runs_is_409(page: Page, short_wait: None) -> None:
    start = next_slot()
    page.google.fault("calendar.freebusy.query", 200, count=1, delay_ms=1500)
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(page.book, start, "order-1")
        while not _key_claimed(page):
            threading.Event().wait(0.02)
        second = page.book(start, key="order-1")
        assert first.result().status_code == 201
    assert second.status_code == 409
    assert second.json()["type"] == "urn:kaleno:problem:idempotency-key-in-use"
    assert page.book(start, key="order-1").json()["id"] == first.result().json()["id"]


def _key_claimed(page: Page) -> bool:
    with page.app.app_context():
        return db.session.query(IdempotencyKey).count() > 0


def test_50_concurrent_requests_with_one_key_book_once(page: Page) -> None:
    start = next_slot()
    barrier = threading.Barrier(50)

    def post(_: int) -> requests.Response:
        barrier.wait()
        return page.book(start, key="same-key")

    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(post, range(50)))
    assert Counter(r.status_code for r in responses) == {201: 50}
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum("manage_token" in r.json() for r in responses) == 1  # the one that booked
    assert _bookings(page) == 1
    assert page.calls("calendar.events.insert") == 1
    assert len(page.events()) == 1


def test_keys_are_scoped_to_the_event_type(page: Page) -> None:
    page.add_event_type("other", title="Other call")
    assert page.book(next_slot(hour=10), key="k").status_code == 201
    assert page.book(next_slot(hour=12), key="k", event_slug="other").status_code == 201
    assert _bookings(page) == 2


def test_an_expired_key_starts_afresh(page: Page) -> None:
    assert page.book(next_slot(hour=10), key="k").status_code == 201
    with page.app.app_context():
        row = db.session.query(IdempotencyKey).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert page.book(next_slot(hour=12), key="k").status_code == 201
    assert _bookings(page) == 2


def test_a_failed_attempt_gives_the_key_back(page: Page) -> None:
    start = next_slot()
    page.google.fault("calendar.freebusy.query", 503, count=2)
    failed = page.book(start, key="k")
    assert failed.status_code == 503
    assert page.book(start, key="k").status_code == 201


@pytest.mark.parametrize("key", [None, "", "x" * 256, "bad\tkey"])
def test_the_key_header_is_required_and_bounded(page: Page, key: str | None) -> None:
    headers = {} if key is None else {"Idempotency-Key": key}
    response = requests.post(page.url(), json=page.body(next_slot()), headers=headers, timeout=10)
    assert response.status_code == 400
    problem = response.json()
    assert problem["errors"][0]["field"] == "Idempotency-Key"
    assert problem["errors"][0]["in"] == "header"
    assert _bookings(page) == 0


def test_a_255_character_key_is_fine(page: Page) -> None:
    assert page.book(next_slot(), key=uuid.uuid4().hex + "k" * 223).status_code == 201
