"""DST end to end: a New York host across 2030-03-10 (spring forward), a Berlin customer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask

from tests.auth.browser import Browser
from tests.slots.published import Published, freeze_clock, publish


@pytest.fixture
def page(app: Flask, browser: Browser, monkeypatch: pytest.MonkeyPatch) -> Published:
    freeze_clock(monkeypatch, datetime(2030, 3, 1, tzinfo=UTC))
    return publish(app, browser, timezone="America/New_York")


def test_host_hours_stay_on_the_wall_clock_across_the_change(page: Published) -> None:
    body = page.slots("2030-03-09", "2030-03-11", tz="America/New_York")
    days = {day["date"]: [s["start"] for s in day["slots"]] for day in body["days"]}
    assert days["2030-03-09"][0] == "2030-03-09T09:00:00-05:00"
    assert days["2030-03-10"][0] == "2030-03-10T09:00:00-04:00"
    assert days["2030-03-11"][-1] == "2030-03-11T16:00:00-04:00"
    assert all(len(starts) == 8 for starts in days.values())


def test_berlin_customer_sees_the_hour_move(page: Published) -> None:
    body = page.slots("2030-03-09", "2030-03-15", tz="Europe/Berlin")
    assert body["timezone"] == "Europe/Berlin"
    days = {day["date"]: day["slots"] for day in body["days"]}
    assert len(days) == 7
    # Saturday: New York 09:00 EST (UTC-5) is 15:00 in Berlin (UTC+1).
    assert days["2030-03-09"][0] == {
        "start": "2030-03-09T15:00:00+01:00",
        "end": "2030-03-09T16:00:00+01:00",
    }
    assert days["2030-03-09"][-1]["start"] == "2030-03-09T22:00:00+01:00"
    # From Sunday New York is on EDT (UTC-4) and Berlin not yet on summer time: 14:00.
    for date in ("2030-03-10", "2030-03-11", "2030-03-15"):
        starts = [slot["start"] for slot in days[date]]
        assert starts == [f"{date}T{hour}:00:00+01:00" for hour in range(14, 22)]


@pytest.mark.parametrize(
    ("zone_name", "first"),
    [
        ("America/New_York", "2030-03-09"),
        ("Europe/Berlin", "2030-10-26"),  # fall back: 02:00-03:00 happens twice
        ("Australia/Lord_Howe", "2030-04-06"),  # 30-minute change
        ("Asia/Kathmandu", "2030-01-01"),
        ("Pacific/Apia", "2011-12-28"),  # the skipped 2011-12-30
    ],
)
def test_grouping_matches_a_zone_lookup_per_slot(zone_name: str, first: str) -> None:
    from datetime import date, timedelta
    from zoneinfo import ZoneInfo

    from kaleno.scheduling.public_slots import local_window, slots_by_day
    from kaleno.slots.engine import Slot

    zone = ZoneInfo(zone_name)
    first_day = date.fromisoformat(first)
    last_day = first_day + timedelta(days=3)
    lo, hi = local_window(first_day, last_day, zone)
    step = timedelta(minutes=15)
    slots = []
    start = lo.astimezone(UTC)
    while start < hi:
        slots.append(Slot(start, start + timedelta(minutes=50)))
        start += step
    expected: dict[str, list[dict[str, str]]] = {}
    for slot in slots:
        local_start = slot.start.astimezone(zone)
        expected.setdefault(local_start.date().isoformat(), []).append(
            {"start": local_start.isoformat(), "end": slot.end.astimezone(zone).isoformat()}
        )
    grouped = slots_by_day(slots, first_day, last_day, zone)
    assert {day["date"]: day["slots"] for day in grouped if day["slots"]} == expected
    assert len(grouped) == 4
