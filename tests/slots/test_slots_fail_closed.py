"""Fail closed: when Google cannot be asked, the slots endpoint answers a problem, never slots."""

from __future__ import annotations

import pytest
from flask import Flask

from kaleno.extensions import db
from kaleno.models import GoogleConnection
from tests.auth.browser import EVENTS, Browser
from tests.slots.published import Published, freeze_clock, publish

MONDAY = "2030-01-07"


@pytest.fixture(autouse=True)
def _clock(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_clock(monkeypatch)


def problem_type(page: Published, status: int) -> str:
    response = page.slots_response(MONDAY, MONDAY)
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert "slots" not in response.json()
    return str(response.json()["type"])


def test_calendar_not_connected_is_409(app: Flask, browser: Browser) -> None:
    page = publish(app, browser, connect=False)
    assert problem_type(page, 409) == "urn:kaleno:problem:calendar-not-connected"


def test_freebusy_scope_not_granted_is_409(app: Flask, browser: Browser) -> None:
    page = publish(app, browser, scopes=[EVENTS])
    assert problem_type(page, 409) == "urn:kaleno:problem:calendar-scope-not-granted"
    assert page.freebusy_calls() == 0


def test_revoked_grant_is_409(app: Flask, browser: Browser) -> None:
    page = publish(app, browser)
    # The stored access token has expired by 2030; Google refuses the refresh.
    page.google.fault("oauth2.token.refresh", 400)
    assert problem_type(page, 409) == "urn:kaleno:problem:calendar-access-revoked"
    assert page.freebusy_calls() == 0


def test_cached_busy_time_does_not_outlive_the_grant(app: Flask, browser: Browser) -> None:
    page = publish(app, browser)
    page.slots(MONDAY, MONDAY)
    with app.app_context():
        connection = db.session.query(GoogleConnection).one()
        connection.status = "revoked"
        connection.refresh_token_sealed = None
        db.session.commit()
    assert problem_type(page, 409) == "urn:kaleno:problem:calendar-access-revoked"


def test_google_errors_after_retries_are_503_and_not_cached(app: Flask, browser: Browser) -> None:
    page = publish(app, browser)
    page.google.fault("calendar.freebusy.query", 500, count=2)
    assert problem_type(page, 503) == "urn:kaleno:problem:google-unavailable"
    assert page.freebusy_calls() == 2  # the first try and one retry
    assert len(page.slots(MONDAY, MONDAY)["days"][0]["slots"]) == 8
    assert page.freebusy_calls() == 3


def test_unreadable_calendar_is_503_without_naming_it(app: Flask, browser: Browser) -> None:
    page = publish(app, browser, calendars=["primary", "nobody@example.com"])
    response = page.slots_response(MONDAY, MONDAY)
    assert response.status_code == 503
    body = response.json()
    assert body["type"] == "urn:kaleno:problem:calendar-unreadable"
    assert "notFound" in body["detail"]
    assert "nobody@example.com" not in response.text
