"""Slots cost grows with the window asked for, not with the host's history.

Issue 12, defect 6: every slots request counted all of the host's bookings and took the
max of their ``updated_at`` to key its cache. The key is now the host's
``bookings_version``, bumped in the transaction of every booking change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import event

from kaleno.extensions import db
from kaleno.models import User, utcnow
from tests.auth.browser import Browser
from tests.bookings.conftest import Page, next_slot, open_page

BOOKINGS_TABLE = re.compile(r"(?<![\w.])bookings(?!\w)")


@contextmanager
def _statements(app: Flask) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _version(app: Flask, host_id: Any) -> int:
    with app.app_context():
        user = db.session.get(User, host_id)
        assert user is not None
        return user.bookings_version


def test_a_warm_slots_answer_reads_no_booking_and_every_change_is_seen(
    app: Flask, browser: Browser
) -> None:
    host_id, event_type_id = open_page(app, browser)
    page = Page(app, browser, browser.google, host_id, event_type_id)
    day = (utcnow() + timedelta(days=2)).date()
    url = f"{page.base}/api/pages/host/intro/slots?from={day}&to={day}&tz=UTC"
    first = requests.get(url, timeout=10)
    assert first.status_code == 200
    with _statements(app) as seen:
        warm = requests.get(url, timeout=10)
    assert warm.text == first.text
    assert seen and not [s for s in seen if BOOKINGS_TABLE.search(s)], seen

    before = _version(app, host_id)
    start = next_slot()
    booked = page.book(start)
    assert booked.status_code == 201
    assert _version(app, host_id) > before
    taken = start.isoformat()  # the zone asked for is UTC: "+00:00"
    after = requests.get(url, timeout=10).json()
    starts = [slot["start"] for d in after["days"] for slot in d["slots"]]
    assert taken not in starts and starts  # the booking is seen at once
    version = _version(app, host_id)
    token = booked.json()["manage_token"]
    cancelled = page.customer("POST", f"/api/bookings/{booked.json()['id']}/cancel", token, json={})
    assert cancelled.status_code == 200, cancelled.text
    assert _version(app, host_id) > version
    again = requests.get(url, timeout=10).json()
    assert taken in [slot["start"] for d in again["days"] for slot in d["slots"]]


def test_writing_the_google_event_back_keeps_the_slots_cache_and_the_host_row(
    app: Flask, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker records the event's ids on the booking: nothing the slots depend on
    changes, so the host's version (a write to its row, and the cache key) stays."""
    monkeypatch.setitem(app.config, "BOOKING_INLINE_SYNC", False)
    host_id, event_type_id = open_page(app, browser)
    page = Page(app, browser, browser.google, host_id, event_type_id)
    booked = page.book(next_slot())
    assert booked.status_code == 201
    booking_id = booked.json()["id"]
    assert page.booking(booking_id).google_event_id is None
    version = _version(app, host_id)
    assert page.run_worker() >= 1
    synced = page.booking(booking_id)
    assert synced.google_sync == "synced" and synced.google_event_id
    assert _version(app, host_id) == version
