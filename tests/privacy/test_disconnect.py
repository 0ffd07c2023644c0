"""Disconnect and delete: revoked at Google, nothing Google-shaped left in the database."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from kaleno.extensions import db
from kaleno.grant.revoke import run_revoke_job
from kaleno.models import AuditEvent, Booking, GoogleConnection, OutboxJob, utcnow
from tests.auth.browser import Browser
from tests.conftest import every_row
from tests.privacy import factories

EMAIL = "host@example.com"


def _connected(app: Flask, browser: Browser) -> None:
    browser.sign_in(EMAIL)
    assert browser.connect_calendar(EMAIL).status_code == 302


def test_disconnect_revokes_at_google_and_deletes_everything(app: Flask, browser: Browser) -> None:
    _connected(app, browser)
    user = factories.host(app, EMAIL)
    et = factories.event_type(app, user.id)
    future = utcnow() + timedelta(days=3)
    factories.booking(app, user.id, et, future, event_id="kalenoevent00001")
    before = browser.google.state()["tokens"]
    response = browser.http.delete(
        browser.base + "/api/calendar", headers={"X-CSRF-Token": browser.csrf()}, timeout=10
    )
    assert response.status_code == 200, response.text
    receipt = response.json()
    assert receipt["google_revoke"] == "confirmed"
    assert receipt["google_confirmed_revoke"] is True
    assert receipt["deleted"]["sealed_tokens"] == 2
    assert receipt["deleted"]["google_event_ids"] == 1
    after = browser.google.state()["tokens"]
    assert after["revoked"] == before["revoked"] + 1
    assert all(
        grant["revoked"] for grant in after["grants"] if "calendar" in " ".join(grant["scopes"])
    )
    with app.app_context():
        assert db.session.query(GoogleConnection).count() == 0
        assert db.session.query(Booking).filter(Booking.google_event_id.is_not(None)).count() == 0
        actions = [a.action for a in db.session.query(AuditEvent).all()]
    assert "calendar.disconnect" in actions
    rows = every_row(app)
    for token in {t["token"] for t in after["access_tokens"]} | set(after["refresh_tokens"]):
        assert token not in rows
    assert "kalenoevent00001" not in rows
    status = browser.get("/api/calendar").json()
    assert status["status"] == "not_connected"


def test_disconnect_can_delete_future_kaleno_events_first(app: Flask, browser: Browser) -> None:
    _connected(app, browser)
    user = factories.host(app, EMAIL)
    et = factories.event_type(app, user.id)
    start = utcnow() + timedelta(days=2)
    event = browser.google.add_event(
        EMAIL,
        "primary",
        {
            "id": "kalenoevent00002",
            "summary": "Intro call",
            "start": {"dateTime": start.isoformat()},
            "end": {"dateTime": (start + timedelta(minutes=30)).isoformat()},
        },
    )
    factories.booking(app, user.id, et, start, event_id=event["id"])
    response = browser.http.delete(
        browser.base + "/api/calendar?delete_future_events=true",
        headers={"X-CSRF-Token": browser.csrf()},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["google_events_deleted"] == 1
    events = browser.google.state()["events"][EMAIL]
    assert [e["status"] for e in events if e["id"] == "kalenoevent00002"] == ["cancelled"]


def test_google_unreachable_still_deletes_locally_and_queues_the_revoke(
    app: Flask, browser: Browser
) -> None:
    _connected(app, browser)
    browser.google.fault("oauth2.revoke", 503, count=1)
    response = browser.http.delete(
        browser.base + "/api/calendar", headers={"X-CSRF-Token": browser.csrf()}, timeout=10
    )
    assert response.status_code == 200
    assert response.json()["google_revoke"] == "queued"
    assert response.json()["google_confirmed_revoke"] is False
    with app.app_context():
        assert db.session.query(GoogleConnection).count() == 0
        job = db.session.query(OutboxJob).filter_by(kind="google.revoke").one()
        assert job.secret_sealed is not None
        run_revoke_job(job)
        assert job.secret_sealed is None
        db.session.commit()
    grants = browser.google.state()["tokens"]["grants"]
    assert any(g["revoked"] for g in grants)


def test_already_invalid_token_counts_as_revoked(app: Flask, browser: Browser) -> None:
    _connected(app, browser)
    refresh = browser.google.state()["tokens"]["refresh_tokens"][0]
    assert (
        browser.http.post(browser.google.url + "/revoke", data={"token": refresh}).status_code
        == 200
    )
    response = browser.http.delete(
        browser.base + "/api/calendar", headers={"X-CSRF-Token": browser.csrf()}, timeout=10
    )
    assert response.json()["google_revoke"] == "already-invalid"
    assert response.json()["google_confirmed_revoke"] is True


def test_disconnect_needs_csrf(browser: Browser) -> None:
    browser.sign_in(EMAIL)
    response = browser.http.delete(browser.base + "/api/calendar", timeout=10)
    assert response.status_code == 403
