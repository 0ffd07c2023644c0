"""No double booking under concurrent requests, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import requests
from sqlalchemy import text

from kaleno.extensions import db
from tests.bookings.conftest import Page, next_slot


def _all_at_once(
    count: int, request: Callable[[int], requests.Response]
) -> list[requests.Response]:
    barrier = threading.Barrier(count)

    def run(index: int) -> requests.Response:
        barrier.wait()
        return request(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def _overlapping_active_pairs(page: Page) -> int:
    with page.app.app_context():
        return int(
            db.session.execute(
                text(
                    "SELECT count(*) FROM bookings a JOIN bookings b ON a.id < b.id "
                    "AND a.host_id = b.host_id AND a.active AND b.active "
                    "AND a.blocked_start < b.blocked_end AND b.blocked_start < a.blocked_end"
                )
            ).scalar_one()
        )


def _active_bookings(page: Page) -> int:
    with page.app.app_context():
        return int(
            db.session.execute(text("SELECT count(*) FROM bookings WHERE active")).scalar_one()
        )


def _assert_exactly_one_won(page: Page, responses: list[requests.Response]) -> None:
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: len(responses) - 1}, statuses
    losers = [r.json()["type"] for r in responses if r.status_code == 409]
    assert set(losers) == {"urn:kaleno:problem:slot-unavailable"}
    assert _active_bookings(page) == 1
    assert _overlapping_active_pairs(page) == 0
    page.run_worker()
    assert len(page.events()) == 1
    assert len(page.live_events()) == 1


def test_100_concurrent_requests_for_one_slot_book_it_once(page: Page) -> None:
    start = next_slot()
    responses = _all_at_once(100, lambda i: page.book(start, email=f"c{i}@example.org"))
    _assert_exactly_one_won(page, responses)
    assert page.calls("calendar.events.insert") == 1


def test_overlapping_different_slots_are_blocked_the_same_way(page: Page) -> None:
    page.add_event_type("long", duration_minutes=60, buffer_after_minutes=30)
    base = next_slot(days=3)
    # 10:00, 10:30, 11:00: every pair overlaps once the buffer counts ([start, +90 min)).
    starts: list[datetime] = [base + timedelta(minutes=30 * (i % 3)) for i in range(100)]
    responses = _all_at_once(
        100, lambda i: page.book(starts[i], event_slug="long", email=f"c{i}@example.org")
    )
    _assert_exactly_one_won(page, responses)


def test_touching_slots_both_book(page: Page) -> None:
    start = next_slot(days=4)
    responses = _all_at_once(
        2, lambda i: page.book(start + timedelta(minutes=30 * i), email=f"c{i}@example.org")
    )
    assert [r.status_code for r in responses] == [201, 201]
    assert _overlapping_active_pairs(page) == 0
