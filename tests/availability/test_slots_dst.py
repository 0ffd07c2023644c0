"""DST end to end: a New York host across 2030-03-10 (spring forward), a Berlin customer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask

from tests.auth.browser import Browser
from tests.availability.published import Published, freeze_clock, publish


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
