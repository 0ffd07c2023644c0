"""kaleno.google.calendar against the emulator, through google-api-python-client."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from kaleno.extensions import db
from kaleno.google import calendar
from kaleno.google.endpoints import current_endpoints
from kaleno.google.errors import GoogleUnavailable, ScopeNotGranted
from kaleno.grant.tokens import access_token_for
from kaleno.models import User, utcnow
from tests.auth.browser import EVENTS, FREEBUSY, Browser

EMAIL = "cal@example.com"
T0 = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def token(app: Flask, browser: Browser) -> str:
    browser.sign_in(EMAIL)
    browser.connect_calendar(EMAIL)
    with app.app_context():
        return access_token_for(db.session.query(User).one(), FREEBUSY, utcnow())


def _api(app: Flask) -> str:
    with app.app_context():
        return current_endpoints().calendar_api


def test_free_busy_reads_opaque_events_only(app: Flask, browser: Browser, token: str) -> None:
    browser.google.add_event(
        EMAIL,
        "primary",
        {
            "summary": "busy",
            "start": {"dateTime": "2030-03-04T10:00:00Z"},
            "end": {"dateTime": "2030-03-04T11:00:00Z"},
        },
    )
    browser.google.add_event(
        EMAIL,
        "primary",
        {
            "summary": "free",
            "transparency": "transparent",
            "start": {"dateTime": "2030-03-04T12:00:00Z"},
            "end": {"dateTime": "2030-03-04T13:00:00Z"},
        },
    )
    busy = calendar.free_busy(_api(app), token, ["primary"], T0, T0 + timedelta(days=1))
    assert busy == [(T0 + timedelta(hours=1), T0 + timedelta(hours=2))]


def test_free_busy_splits_long_ranges_at_90_days(app: Flask, browser: Browser, token: str) -> None:
    calendar.free_busy(_api(app), token, ["primary"], T0, T0 + timedelta(days=200))
    assert browser.google.state()["calls"]["calendar.freebusy.query"] == 3


def test_free_busy_unknown_calendar_is_an_error_not_free(app: Flask, token: str) -> None:
    with pytest.raises(calendar.CalendarError, match="notFound"):
        calendar.free_busy(_api(app), token, ["nobody@example.com"], T0, T0 + timedelta(days=1))


def test_event_lifecycle_and_idempotent_insert(app: Flask, browser: Browser, token: str) -> None:
    event = {
        "id": "kaleno0123456789abcdefghijklmnop",
        "summary": "Intro call",
        "start": {"dateTime": "2030-03-04T10:00:00Z"},
        "end": {"dateTime": "2030-03-04T10:30:00Z"},
        "attendees": [{"email": "guest@example.com"}],
        "extendedProperties": {"private": {"kaleno_booking": "b-1"}},
        "conferenceData": {
            "createRequest": {"requestId": "b-1", "conferenceSolutionKey": {"type": "hangoutsMeet"}}
        },
    }
    api = _api(app)
    created = calendar.insert_event(api, token, event, send_updates="all", conference=True)
    assert created["id"] == event["id"]
    assert created["hangoutLink"].startswith("https://meet.google.com/")
    with pytest.raises(calendar.EventAlreadyExists):
        calendar.insert_event(api, token, event, send_updates="all", conference=True)
    patched = calendar.patch_event(
        api,
        token,
        event["id"],
        {
            "start": {"dateTime": "2030-03-04T11:00:00Z"},
            "end": {"dateTime": "2030-03-04T11:30:00Z"},
        },
        send_updates="all",
    )
    assert patched["start"]["dateTime"].startswith("2030-03-04T11:00:00")
    calendar.delete_event(api, token, event["id"], send_updates="all")
    calendar.delete_event(api, token, event["id"], send_updates="all")  # 410: counts as done
    with pytest.raises(calendar.EventGone):
        calendar.patch_event(api, token, "nosuchevent123", {}, send_updates="none")
    calls = browser.google.state()["calls"]
    assert calls["calendar.events.insert"] == 2
    assert calls["calendar.events.delete"] == 2


def test_server_errors_are_retried_then_surface(app: Flask, browser: Browser, token: str) -> None:
    api = _api(app)
    browser.google.fault("calendar.freebusy.query", 500, count=1)
    calendar.free_busy(api, token, ["primary"], T0, T0 + timedelta(days=1), retries=1)
    browser.google.fault("calendar.freebusy.query", 503, count=2)
    with pytest.raises(GoogleUnavailable):
        calendar.free_busy(api, token, ["primary"], T0, T0 + timedelta(days=1), retries=1)
    assert browser.google.state()["calls"]["calendar.freebusy.query"] == 4


def test_missing_scope_is_scope_not_granted(app: Flask, browser: Browser) -> None:
    browser.sign_in(EMAIL)
    browser.connect_calendar(EMAIL, [FREEBUSY])
    with app.app_context():
        token = access_token_for(db.session.query(User).one(), FREEBUSY, utcnow())
    with pytest.raises(ScopeNotGranted):
        calendar.insert_event(
            _api(app),
            token,
            {
                "summary": "x",
                "start": {"dateTime": "2030-03-04T10:00:00Z"},
                "end": {"dateTime": "2030-03-04T10:30:00Z"},
            },
            send_updates="none",
            conference=False,
        )
    assert EVENTS not in browser.get("/api/calendar").json()["granted_scopes"]
