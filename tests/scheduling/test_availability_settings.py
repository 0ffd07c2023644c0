"""GET/PUT /api/availability: weekly hours in the host zone, overrides, calendars."""

from __future__ import annotations

from typing import Any

import pytest

from tests.auth.browser import Browser
from tests.scheduling.helpers import Host, fields_of, sign_in_host

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WORKDAY = [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]


@pytest.fixture
def host(browser: Browser) -> Host:
    return sign_in_host(browser)


def document(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "timezone": "Asia/Jakarta",
        "weekly": {"monday": WORKDAY, "friday": [{"start": "22:00", "end": "24:00"}]},
        "overrides": [
            {"date": "2026-12-25", "intervals": []},
            {"date": "2026-12-24", "intervals": [{"start": "09:00", "end": "12:00"}]},
        ],
        "calendars": ["primary", "team@example.com"],
    }
    return {**base, **changes}


def test_defaults_when_never_set(host: Host) -> None:
    body = host.call("GET", "/api/availability").json()
    assert body == {
        "timezone": "UTC",
        "weekly": {day: [] for day in DAYS},
        "overrides": [],
        "calendars": ["primary"],
    }


def test_put_stores_and_sets_the_host_zone(host: Host) -> None:
    response = host.call("PUT", "/api/availability", document())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == host.call("GET", "/api/availability").json()
    assert body["timezone"] == "Asia/Jakarta"
    assert body["weekly"]["monday"] == WORKDAY
    assert body["weekly"]["friday"] == [{"start": "22:00", "end": "24:00"}]
    assert body["weekly"]["tuesday"] == []
    assert [o["date"] for o in body["overrides"]] == ["2026-12-24", "2026-12-25"]
    assert body["calendars"] == ["primary", "team@example.com"]
    assert host.browser.me().json()["timezone"] == "Asia/Jakarta"


def test_put_replaces_everything(host: Host) -> None:
    host.call("PUT", "/api/availability", document())
    body = host.call("PUT", "/api/availability", {"timezone": "UTC", "weekly": {}}).json()
    assert body["weekly"] == {day: [] for day in DAYS}
    assert body["overrides"] == []
    assert body["calendars"] == ["primary"]


def test_touching_intervals_are_fine(host: Host) -> None:
    weekly = {"monday": [{"start": "13:00", "end": "17:00"}, {"start": "09:00", "end": "13:00"}]}
    response = host.call("PUT", "/api/availability", document(weekly=weekly))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"weekly": {"monday": [{"start": "9:00", "end": "17:00"}]}}, "weekly.monday.0.start"),
        ({"weekly": {"monday": [{"start": "09:00", "end": "24:01"}]}}, "weekly.monday.0.end"),
        ({"weekly": {"monday": [{"start": "24:00", "end": "24:00"}]}}, "weekly.monday.0.start"),
        (
            {"weekly": {"monday": [WORKDAY[0], {"start": "17:00", "end": "09:00"}]}},
            "weekly.monday.1.end",
        ),
        ({"weekly": {"monday": [{"start": "09:00", "end": "09:00"}]}}, "weekly.monday.0.end"),
        (
            {"weekly": {"monday": [WORKDAY[0], {"start": "11:00", "end": "14:00"}]}},
            "weekly.monday.1.start",
        ),
        ({"weekly": {"funday": []}}, "weekly.funday"),
        ({"weekly": {"monday": [{"start": "09:00"}]}}, "weekly.monday.0.end"),
        (
            {"overrides": [{"date": "2026-12-25"}, {"date": "2026-12-25", "intervals": []}]},
            "overrides.1.date",
        ),
        ({"overrides": [{"date": "2026-02-30"}]}, "overrides.0.date"),
        ({"overrides": [{"date": "25/12/2026"}]}, "overrides.0.date"),
        (
            {"overrides": [{"date": "2026-12-24", "intervals": [WORKDAY[0], WORKDAY[0]]}]},
            "overrides.0.intervals.1.start",
        ),
        ({"calendars": []}, "calendars"),
        ({"calendars": [f"c{i}@example.com" for i in range(11)]}, "calendars"),
        ({"calendars": ["primary", "primary"]}, "calendars.1"),
        ({"calendars": [""]}, "calendars.0"),
        ({"holidays": []}, "holidays"),
    ],
)
def test_put_rejects_bad_documents_naming_the_field(
    host: Host, changes: dict[str, Any], field: str
) -> None:
    assert field in fields_of(host.call("PUT", "/api/availability", document(**changes)))
    assert host.call("GET", "/api/availability").json()["calendars"] == ["primary"]


def test_put_needs_csrf(host: Host) -> None:
    response = host.call("PUT", "/api/availability", document(), csrf=False)
    assert response.status_code == 403
    assert host.call("GET", "/api/availability").json()["timezone"] == "UTC"


def test_needs_sign_in(browser: Browser) -> None:
    assert browser.get("/api/availability").status_code == 401
