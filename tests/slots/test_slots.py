"""Slots end to end: settings via the API, busy time from the emulator, bookings in SQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask

from tests.auth.browser import Browser
from tests.slots.published import Published, freeze_clock, publish

MONDAY = "2030-01-07"  # Jakarta is UTC+7 all year


def local(hour: int, minute: int = 0, day: int = 7) -> str:
    return f"2030-01-{day:02d}T{hour:02d}:{minute:02d}:00+07:00"


@pytest.fixture
def page(app: Flask, browser: Browser, monkeypatch: pytest.MonkeyPatch) -> Published:
    freeze_clock(monkeypatch)
    return publish(app, browser)


def test_free_day_offers_the_whole_grid(page: Published) -> None:
    body = page.slots(MONDAY, MONDAY)
    assert body["timezone"] == "Asia/Jakarta"  # no tz: the host's zone
    assert body["days"] == [
        {
            "date": MONDAY,
            "slots": [{"start": local(h), "end": local(h + 1)} for h in range(9, 17)],
        }
    ]


def test_google_busy_and_bookings_are_not_offered(
    app: Flask, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze_clock(monkeypatch)
    page = publish(app, browser, calendars=["primary", "team@example.com"])
    page.busy_event(local(16), local(16, 30), calendar="team@example.com")
    page.busy_event(local(10), local(11))
    transparent = {
        "summary": "free",
        "transparency": "transparent",
        "start": {"dateTime": local(15)},
        "end": {"dateTime": local(16)},
    }
    page.google.add_event(page.host.email, "primary", transparent)
    # Another event type's booking blocks too, with its buffer after: [13:00, 14:15).
    page.book(datetime(2030, 1, 7, 6, tzinfo=UTC), 30, after=45)
    starts = page.starts(MONDAY, MONDAY)
    assert starts == [local(h) for h in (9, 11, 12, 15)]
    assert page.freebusy_calls() == 1  # one call for both calendars


def test_cancelled_bookings_do_not_block(app: Flask, page: Published) -> None:
    from kaleno.extensions import db
    from kaleno.models import Booking

    booking_id = page.book(datetime(2030, 1, 7, 2, tzinfo=UTC), 60)
    assert local(9) not in page.starts(MONDAY, MONDAY)
    with app.app_context():
        booking = db.session.get(Booking, booking_id)
        assert booking is not None
        booking.active, booking.status = False, "cancelled"
        db.session.commit()
    assert local(9) in page.starts(MONDAY, MONDAY)


def test_days_are_grouped_in_the_customer_zone(page: Published) -> None:
    body = page.slots("2030-01-07", "2030-01-08", tz="America/Los_Angeles")
    assert body["timezone"] == "America/Los_Angeles"
    # Jakarta 09:00-17:00 is 18:00-02:00 in Los Angeles the evening before.
    assert [day["date"] for day in body["days"]] == ["2030-01-07", "2030-01-08"]
    first_day = [slot["start"] for slot in body["days"][0]["slots"]]
    assert first_day[0] == "2030-01-07T00:00:00-08:00"  # Jakarta 15:00 on the 7th
    assert first_day[-1] == "2030-01-07T23:00:00-08:00"
    assert all(s["start"].endswith("-08:00") for d in body["days"] for s in d["slots"])


def test_every_date_is_listed_even_without_slots(
    app: Flask, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze_clock(monkeypatch)
    page = publish(app, browser, weekly={"monday": [{"start": "09:00", "end": "11:00"}]})
    body = page.slots("2030-01-06", "2030-01-08")
    assert [(d["date"], len(d["slots"])) for d in body["days"]] == [
        ("2030-01-06", 0),
        ("2030-01-07", 2),
        ("2030-01-08", 0),
    ]


def test_max_per_day_counts_bookings_of_this_event_type(
    app: Flask, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze_clock(monkeypatch)
    page = publish(app, browser, event={"max_per_day": 1})
    page.book(datetime(2030, 1, 7, 2, tzinfo=UTC), 60)  # Monday 09:00 Jakarta
    body = page.slots("2030-01-07", "2030-01-08")
    assert [len(day["slots"]) for day in body["days"]] == [0, 8]


def test_nothing_to_check_means_no_google_call(
    app: Flask, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze_clock(monkeypatch)
    page = publish(app, browser, event={"horizon_days": 5, "min_notice_minutes": 0})
    # Beyond the horizon: every day listed, none with slots, Google not asked.
    body = page.slots("2030-02-01", "2030-02-03")
    assert [len(day["slots"]) for day in body["days"]] == [0, 0, 0]
    # In the past.
    assert page.slots("2029-12-01", "2029-12-03")["days"][0]["slots"] == []
    assert page.freebusy_calls() == 0


def test_closed_host_means_no_google_call(
    app: Flask, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze_clock(monkeypatch)
    page = publish(app, browser, weekly={})
    assert page.slots(MONDAY, "2030-01-13")["days"][0]["slots"] == []
    assert page.freebusy_calls() == 0


def test_minimum_notice_and_buffers(
    app: Flask, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Now is Monday 10:30 Jakarta; two hours' notice leaves 13:00 as the first start,
    # and a 30-minute buffer before also needs 12:30-13:00 free.
    freeze_clock(monkeypatch, datetime(2030, 1, 7, 3, 30, tzinfo=UTC))
    page = publish(app, browser, event={"min_notice_minutes": 120, "buffer_before_minutes": 30})
    page.busy_event(local(12, 15), local(12, 45))
    assert page.starts(MONDAY, MONDAY) == [local(h) for h in (14, 15, 16)]
