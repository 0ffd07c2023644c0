"""A hung token or certificate endpoint costs one bounded timeout, not minutes.

google-auth's transport waits 120 s by default (and retries the token endpoint), so
before the fix these calls simply waited for the slow emulator and succeeded late.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask

from kaleno.extensions import db
from kaleno.google.errors import GoogleUnavailable
from kaleno.grant.tokens import access_token_for
from kaleno.models import GoogleConnection, User, utcnow
from tests.auth.browser import FREEBUSY, Browser

EMAIL = "host@example.com"
TIMEOUT_S = 0.5
GOOGLE_DELAY_MS = 2500


@pytest.fixture
def short_timeout(app: Flask) -> Iterator[None]:
    app.config["GOOGLE_TIMEOUT_S"] = TIMEOUT_S
    yield
    app.config["GOOGLE_TIMEOUT_S"] = 10.0


def test_a_hung_token_endpoint_fails_fast_and_keeps_the_grant(
    app: Flask, browser: Browser, short_timeout: None
) -> None:
    browser.sign_in(EMAIL)
    browser.connect_calendar(EMAIL)
    browser.google.fault("oauth2.token.refresh", 200, delay_ms=GOOGLE_DELAY_MS)
    with app.app_context():
        conn = db.session.query(GoogleConnection).one()
        conn.access_token_expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        started = time.monotonic()
        with pytest.raises(GoogleUnavailable):
            access_token_for(db.session.query(User).one(), FREEBUSY, utcnow())
        elapsed = time.monotonic() - started
    assert elapsed < GOOGLE_DELAY_MS / 1000 - 0.5, elapsed
    assert browser.get("/api/calendar").json()["status"] == "connected"


def test_a_hung_certificate_endpoint_fails_sign_in_fast(
    browser: Browser, short_timeout: None
) -> None:
    browser.google.add_account(EMAIL, "Host Example")
    browser.google.set_authorization("approve", EMAIL, None)
    callback = browser.at_google(browser.start("/auth/google/login"))
    browser.google.fault("oauth2.certs", 200, delay_ms=GOOGLE_DELAY_MS)
    started = time.monotonic()
    response = browser.get(callback)
    elapsed = time.monotonic() - started
    assert response.status_code == 503, response.text
    assert response.json()["type"].endswith("google-unavailable")
    assert elapsed < GOOGLE_DELAY_MS / 1000 - 0.5, elapsed
    assert browser.me().status_code == 401
