"""A host removed Kaleno in their Google account: 401 → one refresh → 409, never a 500.

Drives google-api-python-client and google-auth against the emulator: the stored access
token still looks fresh, so the first Calendar call is what discovers the revocation.
"""

from __future__ import annotations

from datetime import timedelta

import requests
from flask import Flask

from kaleno.extensions import db
from kaleno.models import GoogleConnection, utcnow
from tests.auth.browser import Browser
from tests.bookings.conftest import HOST_EMAIL, Page, next_slot, open_page


def _page(app: Flask, browser: Browser) -> Page:
    host_id, event_type_id = open_page(app, browser)
    return Page(app, browser, browser.google, host_id, event_type_id)


def _remove_kaleno_in_google(page: Page) -> None:
    """What "Remove access" in the Google account does: revoke the refresh token."""
    [refresh] = page.google.state()["tokens"]["refresh_tokens"]
    revoked = requests.post(page.google.url + "/revoke", data={"token": refresh}, timeout=10)
    assert revoked.status_code == 200


def _slots(page: Page) -> requests.Response:
    day = (utcnow() + timedelta(days=2)).date().isoformat()
    url = f"{page.base}/api/pages/host/intro/slots?from={day}&to={day}&tz=UTC"
    return requests.get(url, timeout=30)


def test_public_page_answers_409_after_access_was_removed(app: Flask, browser: Browser) -> None:
    page = _page(app, browser)
    assert _slots(page).status_code == 200
    page.run_worker()
    _remove_kaleno_in_google(page)
    app.config["FREEBUSY_CACHE_TTL_S"] = 0
    try:
        response = _slots(page)
    finally:
        app.config["FREEBUSY_CACHE_TTL_S"] = 60
    assert response.status_code == 409, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("calendar-access-revoked")
    calls = page.google.state()["calls"]
    assert calls["oauth2.token.refresh"] == 1  # refreshed once after the 401, not in a loop
    status = page.host("GET", "/api/calendar").json()
    assert (status["status"], status["connected"]) == ("revoked", False)
    with app.app_context():
        conn = db.session.query(GoogleConnection).one()
        assert conn.refresh_token_sealed is None and conn.access_token_sealed is None


def test_disconnect_with_delete_answers_200_after_access_was_removed(
    app: Flask, browser: Browser
) -> None:
    page = _page(app, browser)
    created = page.book(next_slot())
    assert created.status_code == 201, created.text
    _remove_kaleno_in_google(page)
    response = page.host("DELETE", "/api/calendar?delete_future_events=true")
    assert response.status_code == 200, response.text
    receipt = response.json()
    assert receipt["google_events_deleted"] == 0
    assert receipt["google_events_not_deleted"] == 1
    assert receipt["google_revoke"] == "already-invalid"


def test_cancel_after_access_was_removed_parks_instead_of_failing(
    app: Flask, browser: Browser
) -> None:
    page = _page(app, browser)
    body = page.book(next_slot()).json()
    _remove_kaleno_in_google(page)
    cancelled = page.customer(
        "POST", f"/api/bookings/{body['id']}/cancel", body["manage_token"], json={}
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert page.booking(body["id"]).google_sync == "parked"
    assert HOST_EMAIL in page.google.state()["events"]


def test_erasure_with_cancel_answers_200_after_access_was_removed(
    app: Flask, browser: Browser
) -> None:
    page = _page(app, browser)
    assert page.book(next_slot()).status_code == 201
    _remove_kaleno_in_google(page)
    response = page.host("DELETE", "/api/me?cancel_future_bookings=true")
    assert response.status_code == 200, response.text
    assert response.json()["bookings_cancelled"] == 1
