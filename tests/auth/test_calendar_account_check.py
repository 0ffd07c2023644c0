"""Calendar connect proves which Google account granted: an id_token whose sub is the host."""

from __future__ import annotations

from flask import Flask

from kaleno.extensions import db
from kaleno.models import GoogleConnection
from tests.auth.browser import EVENTS, FREEBUSY, Browser

EMAIL = "host@example.com"


def test_an_account_that_never_signed_in_cannot_lend_its_calendar(
    app: Flask, browser: Browser
) -> None:
    browser.sign_in(EMAIL)
    browser.google.add_account("stranger@example.com", "Stranger")
    # At Google's consent screen the person picks another account that never signed in
    # here. Without openid in the request no id_token names it, and it was accepted.
    browser.google.set_authorization("approve", "stranger@example.com", [FREEBUSY, EVENTS])
    response = browser.dance("/auth/google/calendar")
    assert response.status_code == 400, response.text
    assert response.json()["type"].endswith("google-sign-in-failed")
    with app.app_context():
        assert db.session.query(GoogleConnection).count() == 0
    assert browser.get("/api/calendar").json()["status"] == "not_connected"


def test_the_signed_in_account_connects_with_an_id_token(app: Flask, browser: Browser) -> None:
    browser.sign_in(EMAIL)
    browser.google.set_authorization("approve", EMAIL, [FREEBUSY, EVENTS])
    assert browser.dance("/auth/google/calendar").status_code == 302
    assert browser.get("/api/calendar").json()["status"] == "connected"
