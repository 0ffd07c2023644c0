"""Canaries: tokens and codes Google issued never show up in logs, problems, cookies or rows."""

from __future__ import annotations

import io
import logging
import urllib.parse
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask

from kaleno.extensions import db
from kaleno.google.errors import CalendarRevoked
from kaleno.grant.tokens import access_token_for
from kaleno.logs import JSONFormatter, RequestIdFilter
from kaleno.models import GoogleConnection, User, utcnow
from tests.auth.browser import FREEBUSY, Browser, query_of
from tests.conftest import every_row

EMAIL = "canary@example.com"


@pytest.fixture
def captured_logs() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    """Everything Kaleno logs at DEBUG: raw messages, and the JSON lines as written."""
    raw, formatted = io.StringIO(), io.StringIO()
    raw_handler = logging.StreamHandler(raw)
    raw_handler.setFormatter(logging.Formatter("%(message)s %(exc_text)s"))
    json_handler = logging.StreamHandler(formatted)
    json_handler.setFormatter(JSONFormatter())
    json_handler.addFilter(RequestIdFilter())
    kaleno_logger = logging.getLogger("kaleno")
    previous = kaleno_logger.level
    kaleno_logger.setLevel(logging.DEBUG)
    kaleno_logger.addHandler(raw_handler)
    root = logging.getLogger()
    root.addHandler(json_handler)
    yield raw, formatted
    root.removeHandler(json_handler)
    kaleno_logger.removeHandler(raw_handler)
    kaleno_logger.setLevel(previous)


def _expire_and_use(app: Flask) -> None:
    with app.app_context():
        conn = db.session.query(GoogleConnection).one()
        conn.access_token_expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        access_token_for(db.session.query(User).one(), FREEBUSY, utcnow())


def test_google_tokens_and_codes_never_leak(
    app: Flask, browser: Browser, captured_logs: tuple[io.StringIO, io.StringIO]
) -> None:
    browser.sign_in(EMAIL)
    browser.google.set_authorization("approve", EMAIL, None)
    callback = browser.at_google(browser.start("/auth/google/calendar"))
    code = query_of(callback)["code"]
    assert browser.get(callback).status_code == 302
    # Paths that handle secrets: a refresh, a replayed code (Google refuses it and kills
    # the grant), then a refresh answered invalid_grant.
    _expire_and_use(app)
    browser.google.set_authorization("approve", EMAIL, None)
    fresh_callback = browser.at_google(browser.start("/auth/google/calendar"))
    params = query_of(fresh_callback)
    params["code"] = code
    refused = browser.get(fresh_callback.split("?")[0] + "?" + urllib.parse.urlencode(params))
    assert refused.status_code == 400
    with pytest.raises(CalendarRevoked):
        _expire_and_use(app)

    state = browser.google.state()["tokens"]
    canaries = {t["token"] for t in state["access_tokens"]} | set(state["refresh_tokens"]) | {code}
    assert len(canaries) >= 4
    raw, formatted = captured_logs
    problems = [h.text for h in browser.hops if h.status_code >= 400]
    assert problems, "the error paths above produced problem bodies"
    cookie = browser.http.cookies.get("kaleno_session") or ""
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    session_data = repr(serializer.loads(cookie))
    rows = every_row(app)
    assert "sid" in session_data
    for canary in canaries:
        assert canary not in raw.getvalue()
        assert canary not in formatted.getvalue()
        assert all(canary not in body for body in problems)
        assert canary not in cookie
        assert canary not in session_data
        assert canary not in rows


def test_repr_of_token_carriers_hides_tokens() -> None:
    from kaleno.google.credentials import AccessToken
    from kaleno.google.oauth import ClientCredentials, TokenResponse

    canary = "ya29.canary-repr"
    carriers = [
        TokenResponse(access_token=canary, expires_in=1, scopes=frozenset(), refresh_token=canary),
        AccessToken(token=canary, expires_at=utcnow(), refreshed=True),
        ClientCredentials("client", client_secret=canary),
    ]
    for carrier in carriers:
        assert canary not in repr(carrier)
