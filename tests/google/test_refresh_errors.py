"""Token-refresh refusals mean different things: the host must reconnect, or the operator
must fix Kaleno's OAuth client, or Google is failing for now. Each is told apart and shown."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from flask import Flask

from kaleno.extensions import db
from kaleno.models import GoogleConnection, utcnow
from tests.auth.browser import Browser
from tests.bookings.conftest import Page, next_slot, open_page


@pytest.fixture
def page(app: Flask, browser: Browser) -> Page:
    host_id, event_type_id = open_page(app, browser)
    app.config["FREEBUSY_CACHE_TTL_S"] = 0
    yield Page(app, browser, browser.google, host_id, event_type_id)  # type: ignore[misc]
    app.config["FREEBUSY_CACHE_TTL_S"] = 60


def _expire_access_token(page: Page) -> None:
    with page.app.app_context():
        conn = db.session.query(GoogleConnection).one()
        conn.access_token_expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()


def _slots(page: Page) -> requests.Response:
    day = (utcnow() + timedelta(days=2)).date().isoformat()
    url = f"{page.base}/api/pages/host/intro/slots?from={day}&to={day}&tz=UTC"
    return requests.get(url, timeout=30)


@pytest.mark.parametrize(
    ("status", "reason", "says"),
    [
        (401, "unauthorized_client", "another OAuth client"),
        (400, "invalid_rapt", "sign in again"),
    ],
)
def test_host_must_reconnect(page: Page, status: int, reason: str, says: str) -> None:
    _expire_access_token(page)
    page.google.fault("oauth2.token.refresh", status, reason=reason)
    response = _slots(page)
    assert response.status_code == 409, response.text
    assert response.json()["type"].endswith("calendar-access-revoked")
    assert says in response.json()["detail"]
    shown = page.host("GET", "/api/calendar").json()
    assert shown["status"] == "revoked"
    assert says in shown["revoked_reason"]


def test_invalid_client_is_the_operators_problem_and_keeps_the_grant(page: Page) -> None:
    _expire_access_token(page)
    page.google.fault("oauth2.token.refresh", 401, count=2, reason="invalid_client")
    response = _slots(page)
    assert response.status_code == 503, response.text
    assert response.json()["type"].endswith("google-client-misconfigured")
    assert "KALENO_GOOGLE_CLIENT_SECRET" in response.json()["detail"]
    assert page.host("GET", "/api/calendar").json()["status"] == "connected"


def test_invalid_client_keeps_queued_work_with_a_visible_reason(page: Page) -> None:
    page.app.config["BOOKING_INLINE_SYNC"] = False
    try:
        body = page.book(next_slot()).json()
    finally:
        page.app.config.pop("BOOKING_INLINE_SYNC")
    _expire_access_token(page)
    page.google.fault("oauth2.token.refresh", 401, reason="invalid_client")
    page.run_worker()
    booking = page.booking(body["id"])
    assert booking.google_sync == "pending"
    assert "operator" in (booking.google_sync_error or "")
    page.run_worker()
    assert page.booking(body["id"]).google_sync == "synced"


def test_a_failing_token_endpoint_is_unavailable_not_revoked(page: Page) -> None:
    _expire_access_token(page)
    page.google.fault("oauth2.token.refresh", 503, count=3)
    response = _slots(page)
    assert response.status_code == 503, response.text
    assert response.json()["type"].endswith("google-unavailable")
    assert page.host("GET", "/api/calendar").json()["status"] == "connected"


@pytest.mark.parametrize(
    ("status", "reason"),
    [(400, None), (400, "invalid_rapt"), (401, "unauthorized_client"), (401, "invalid_client")],
)
def test_no_token_or_secret_in_refresh_problems_or_logs(
    page: Page, caplog: pytest.LogCaptureFixture, status: int, reason: str | None
) -> None:
    """Canary: a refused refresh is explained without tokens, client secret or Google body."""
    secrets = set(page.google.state()["tokens"]["refresh_tokens"])
    secrets |= {t["token"] for t in page.google.state()["tokens"]["access_tokens"]}
    secrets.add(str(page.app.config["GOOGLE_CLIENT_SECRET"]))
    _expire_access_token(page)
    page.google.fault("oauth2.token.refresh", status, reason=reason)
    with caplog.at_level("DEBUG"):
        response = _slots(page)
        shown = page.host("GET", "/api/calendar").text
    seen = response.text + shown + caplog.text
    assert response.status_code in (409, 503)
    assert not [s for s in secrets if s in seen]
    assert "support.google.com" not in seen  # Google's error body is not passed through
