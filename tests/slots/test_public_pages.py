"""GET /api/pages/{host_slug} and the slots endpoint's input checks."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.auth.browser import Browser
from tests.scheduling.helpers import fields_of
from tests.slots.published import Published, freeze_clock, publish


@pytest.fixture
def page(app: Flask, browser: Browser, monkeypatch: pytest.MonkeyPatch) -> Published:
    freeze_clock(monkeypatch)
    return publish(app, browser)


def test_page_shows_host_and_only_bookable_event_types(page: Published) -> None:
    host = page.host
    host.call(
        "POST",
        "/api/event-types",
        {"slug": "hidden", "title": "H", "duration_minutes": 30, "active": False},
    )
    gone = host.call(
        "POST", "/api/event-types", {"slug": "gone", "title": "G", "duration_minutes": 30}
    )
    host.call("DELETE", f"/api/event-types/{gone.json()['id']}")
    host.call(
        "POST",
        "/api/event-types",
        {
            "slug": "visit",
            "title": "Visit",
            "duration_minutes": 45,
            "location": {"kind": "in_person", "address": "Jl. Sudirman 1", "details": "ring twice"},
        },
    )
    response = host.browser.get("/api/pages/ada")
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["slug"], body["timezone"]) == ("Ada", "ada", "Asia/Jakarta")
    assert [e["slug"] for e in body["event_types"]] == ["intro", "visit"]
    assert body["event_types"][1]["location"] == {"kind": "in_person", "address": "Jl. Sudirman 1"}
    assert "ring twice" not in response.text
    assert "host@example.com" not in response.text


def test_unknown_host_is_404(browser: Browser) -> None:
    response = browser.get("/api/pages/nobody")
    assert response.status_code == 404
    assert response.json()["type"] == "urn:kaleno:problem:not-found"
    response = browser.get(
        "/api/pages/nobody/intro/slots", params={"from": "2030-01-07", "to": "2030-01-07"}
    )
    assert response.status_code == 404


def test_inactive_archived_or_unknown_event_type_is_404(page: Published) -> None:
    host = page.host
    event_id = page.event_type["id"]
    assert page.slots_response("2030-01-07", "2030-01-07", event="other").status_code == 404
    host.call("PATCH", f"/api/event-types/{event_id}", {"active": False})
    assert page.slots_response("2030-01-07", "2030-01-07").status_code == 404
    host.call("PATCH", f"/api/event-types/{event_id}", {"active": True})
    assert page.slots_response("2030-01-07", "2030-01-07").status_code == 200
    host.call("DELETE", f"/api/event-types/{event_id}")
    assert page.slots_response("2030-01-07", "2030-01-07").status_code == 404


@pytest.mark.parametrize(
    ("first", "last", "tz", "field"),
    [
        (None, "2030-01-07", None, "from"),
        ("2030-01-07", None, None, "to"),
        ("2030-02-30", "2030-03-01", None, "from"),
        ("7/1/2030", "2030-01-08", None, "from"),
        ("2030-01-08", "2030-01-07", None, "to"),
        ("2030-01-01", "2030-03-04", None, "to"),
        ("2030-01-07", "2030-01-07", "Mars/Olympus", "tz"),
        ("2030-01-07", "2030-01-07", "", "tz"),
        ("9999-12-31", "9999-12-31", None, "from"),
    ],
)
def test_bad_slot_queries_are_400_naming_the_field(
    page: Published, first: str | None, last: str | None, tz: str | None, field: str
) -> None:
    response = page.slots_response(first, last, tz)
    assert field in fields_of(response)
    assert page.freebusy_calls() == 0


def test_62_days_is_the_longest_range(page: Published) -> None:
    body = page.slots("2030-01-01", "2030-03-03")
    assert len(body["days"]) == 62
