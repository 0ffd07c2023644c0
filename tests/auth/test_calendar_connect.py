"""Connecting Google Calendar: incremental, minimal, partial grants kept, refresh and revoke."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from kaleno.extensions import db
from kaleno.google.errors import CalendarRevoked, ScopeNotGranted
from kaleno.grant.tokens import access_token_for
from kaleno.models import GoogleConnection, User, utcnow
from kaleno.vault import current_vault
from tests.auth.browser import EVENTS, FREEBUSY, Browser, query_of

EMAIL = "host@example.com"


def _connection(app: Flask) -> GoogleConnection:
    with app.app_context():
        conn = db.session.query(GoogleConnection).one()
        db.session.expunge(conn)
        return conn


def test_connect_asks_only_calendar_scopes_incrementally(browser: Browser) -> None:
    browser.sign_in(EMAIL)
    params = query_of(browser.start("/auth/google/calendar"))
    # openid names the granting account (issue 13); no other sign-in scope is asked.
    assert params["scope"].split() == ["openid", FREEBUSY, EVENTS]
    assert params["include_granted_scopes"] == "true"
    assert params["access_type"] == "offline"
    assert params["prompt"] == "consent"
    assert params["login_hint"] == EMAIL
    assert params["redirect_uri"] == browser.base + "/auth/google/calendar/callback"


def test_calendar_connect_requires_sign_in(browser: Browser) -> None:
    response = browser.get("/auth/google/calendar")
    assert response.status_code == 401
    assert response.json()["type"] == "urn:kaleno:problem:not-authenticated"


def test_full_consent_connects_and_seals_tokens(app: Flask, browser: Browser) -> None:
    browser.sign_in(EMAIL)
    response = browser.connect_calendar(EMAIL)
    assert response.status_code == 302
    status = browser.get("/api/calendar").json()
    assert status["status"] == "connected"
    assert status["granted_scopes"] == sorted([FREEBUSY, EVENTS])
    assert status["missing_scopes"] == []
    assert status["features"]["free_busy"] == {"enabled": True, "reason": None}
    assert status["calendars_checked"] == ["primary"]
    conn = _connection(app)
    assert conn.refresh_token_sealed is not None
    issued = set(browser.google.state()["tokens"]["refresh_tokens"])
    assert issued, "the emulator issued a refresh token"
    for token in issued:
        assert token.encode() not in conn.refresh_token_sealed
    with app.app_context():
        from kaleno.vault import binding

        opened = current_vault().open(
            conn.refresh_token_sealed,
            binding("google_connections", "refresh_token", conn.id, conn.user_id),
        )
    assert opened in issued


def test_partial_consent_is_kept_and_explained(app: Flask, browser: Browser) -> None:
    browser.sign_in(EMAIL)
    assert browser.connect_calendar(EMAIL, [FREEBUSY]).status_code == 302
    status = browser.get("/api/calendar").json()
    assert status["status"] == "connected"
    assert status["granted_scopes"] == [FREEBUSY]
    assert status["missing_scopes"] == [EVENTS]
    assert status["features"]["write_events"]["enabled"] is False
    assert "cannot be written to Google" in status["features"]["write_events"]["reason"]
    with app.app_context():
        user = db.session.query(User).one()
        assert access_token_for(user, FREEBUSY, utcnow())
        with pytest.raises(ScopeNotGranted):
            access_token_for(user, EVENTS, utcnow())


def test_denied_calendar_consent_changes_nothing(app: Flask, browser: Browser) -> None:
    browser.sign_in(EMAIL)
    browser.google.set_authorization("deny", EMAIL, None)
    response = browser.dance("/auth/google/calendar")
    assert response.status_code == 403
    assert browser.get("/api/calendar").json()["status"] == "not_connected"
    with app.app_context():
        assert db.session.query(GoogleConnection).count() == 0


def test_reconnect_with_refresh_token_does_not_force_consent(browser: Browser) -> None:
    browser.sign_in(EMAIL)
    browser.connect_calendar(EMAIL)
    assert "prompt" not in query_of(browser.start("/auth/google/calendar"))


def test_expired_access_token_is_refreshed_and_persisted(app: Flask, browser: Browser) -> None:
    browser.sign_in(EMAIL)
    browser.connect_calendar(EMAIL)
    before = _connection(app).access_token_sealed
    with app.app_context():
        conn = db.session.query(GoogleConnection).one()
        conn.access_token_expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        user = db.session.query(User).one()
        token = access_token_for(user, FREEBUSY, utcnow())
    assert token.startswith("ya29.")
    assert browser.google.state()["calls"].get("oauth2.token.refresh") == 1
    assert _connection(app).access_token_sealed != before


def test_invalid_grant_marks_connection_revoked(app: Flask, browser: Browser) -> None:
    browser.sign_in(EMAIL)
    browser.connect_calendar(EMAIL)
    browser.google.fault("oauth2.token.refresh", 400)
    with app.app_context():
        conn = db.session.query(GoogleConnection).one()
        conn.access_token_expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        user = db.session.query(User).one()
        with pytest.raises(CalendarRevoked) as info:
            access_token_for(user, FREEBUSY, utcnow())
    assert info.value.status == 409
    status = browser.get("/api/calendar").json()
    assert status["status"] == "revoked"
    assert status["revoked_reason"] == "Google answered invalid_grant on refresh"
    assert status["revoked_at"] is not None
    assert status["features"]["free_busy"]["enabled"] is False
    conn = _connection(app)
    assert conn.refresh_token_sealed is None
    assert conn.access_token_sealed is None


def test_connecting_another_google_account_is_refused(app: Flask, browser: Browser) -> None:
    browser.sign_in(EMAIL)
    # The other account signed in here once, so Google's incremental grant carries an
    # id_token naming it.
    Browser(app, browser.google).sign_in("other@example.com", "Other")
    browser.google.set_authorization("approve", "other@example.com", None)
    response = browser.dance("/auth/google/calendar")
    assert response.status_code == 400
    assert "signed in with" in response.json()["detail"]
    with app.app_context():
        assert db.session.query(GoogleConnection).count() == 0
