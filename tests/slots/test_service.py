"""The service other modules call: offered_slots, is_offered (always fresh), reschedule."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from kaleno.extensions import db
from kaleno.models import EventType, User
from kaleno.scheduling.offered_slots import is_offered, offered_slots
from tests.auth.browser import Browser
from tests.slots.published import NOW, Published, publish

TEN = datetime(2030, 1, 7, 3, tzinfo=UTC)  # Monday 10:00 in Jakarta


@pytest.fixture
def page(app: Flask, browser: Browser) -> Published:
    return publish(app, browser)


def _rows(page: Published) -> tuple[User, EventType]:
    host = db.session.get(User, page.host_id)
    event_type = db.session.get(EventType, uuid.UUID(page.event_type["id"]))
    assert host is not None and event_type is not None
    return host, event_type


def test_is_offered_always_asks_google(page: Published) -> None:
    with page.app.app_context():
        host, event_type = _rows(page)
        monday = datetime(2030, 1, 7, tzinfo=UTC)
        offered_slots(host, event_type, monday, monday + timedelta(days=1), NOW)
        assert page.freebusy_calls() == 1
        assert is_offered(host, event_type, TEN, NOW)
        assert page.freebusy_calls() == 2
        page.busy_event("2030-01-07T10:30:00+07:00", "2030-01-07T10:45:00+07:00")
        assert not is_offered(host, event_type, TEN, NOW)
        assert page.freebusy_calls() == 3


def test_is_offered_only_on_the_grid_and_within_rules(page: Published) -> None:
    with page.app.app_context():
        host, event_type = _rows(page)
        assert not is_offered(host, event_type, TEN + timedelta(minutes=15), NOW)
        assert not is_offered(host, event_type, TEN - timedelta(hours=2), NOW)  # 08:00
        assert not is_offered(host, event_type, TEN, TEN + timedelta(minutes=1))  # past
        assert is_offered(host, event_type, TEN.astimezone(UTC), NOW)


def test_reschedule_ignores_the_booking_and_its_google_event(page: Published) -> None:
    booking_id = page.book(TEN, 60)
    # The booking's own Google event, plus a real meeting right after it.
    page.busy_event("2030-01-07T10:00:00+07:00", "2030-01-07T11:00:00+07:00")
    page.busy_event("2030-01-07T11:00:00+07:00", "2030-01-07T12:00:00+07:00")
    with page.app.app_context():
        host, event_type = _rows(page)
        assert not is_offered(host, event_type, TEN, NOW)
        assert is_offered(host, event_type, TEN, NOW, ignore_booking_id=booking_id)
        monday = datetime(2030, 1, 7, tzinfo=UTC)
        slots = offered_slots(
            host, event_type, monday, monday + timedelta(days=1), NOW, ignore_booking_id=booking_id
        )
        starts = [slot.start.astimezone(UTC).hour + 7 for slot in slots]
        assert starts == [9, 10, 12, 13, 14, 15, 16]


def test_reschedule_frees_the_daily_cap(app: Flask, browser: Browser) -> None:
    page = publish(app, browser, event={"max_per_day": 1})
    booking_id = page.book(TEN, 60)
    with app.app_context():
        host, event_type = _rows(page)
        assert not is_offered(host, event_type, TEN + timedelta(hours=2), NOW)
        assert is_offered(
            host, event_type, TEN + timedelta(hours=2), NOW, ignore_booking_id=booking_id
        )
