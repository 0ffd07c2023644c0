"""A revoke queued at disconnect is retried until Google confirms; the host sees it."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from kaleno.extensions import db
from kaleno.models import OutboxJob
from kaleno.outbox import MAX_ATTEMPTS, backoff
from kaleno.worker import run_worker
from tests.auth.browser import Browser
from tests.bookings.conftest import HOST_EMAIL, Page, make_due, open_page


def _revoke_job(app: Flask) -> OutboxJob:
    with app.app_context():
        job = db.session.query(OutboxJob).filter_by(kind="google.revoke").one()
        db.session.expunge(job)
        return job


def test_revoke_outlasts_a_long_outage_then_drops_the_token(app: Flask, browser: Browser) -> None:
    host_id, event_type_id = open_page(app, browser)
    page = Page(app, browser, browser.google, host_id, event_type_id)
    outage = MAX_ATTEMPTS + 3
    page.google.fault("oauth2.revoke", 503, count=outage)
    response = page.host("DELETE", "/api/calendar")
    assert response.json()["google_revoke"] == "queued"
    for _ in range(outage - 1):
        page.run_worker()
    job = _revoke_job(app)
    # The request's own try (after its commit) is the job's first run, and counts.
    assert (job.status, job.attempts) == ("pending", outage)
    assert job.secret_sealed is not None  # still needed: Google has not revoked yet
    shown = page.host("GET", "/api/calendar").json()["google_revoke"]
    assert shown["state"] == "queued"
    assert shown["attempts"] == outage
    assert "revoke" in shown["last_error"]
    assert shown["next_attempt_at"]
    grants = page.google.state()["tokens"]["grants"]
    assert not any(g["revoked"] for g in grants)
    page.run_worker()
    job = _revoke_job(app)
    assert (job.status, job.secret_sealed) == ("done", None)
    assert all(g["revoked"] for g in page.google.state()["tokens"]["grants"])
    shown = page.host("GET", "/api/calendar").json()["google_revoke"]
    assert (shown["state"], shown["next_attempt_at"]) == ("confirmed", None)
    assert page.google.state()["calls"]["oauth2.revoke"] == outage + 1


def test_a_dead_grant_ends_the_revoke_and_drops_the_token(app: Flask, browser: Browser) -> None:
    browser.sign_in(HOST_EMAIL)
    browser.connect_calendar(HOST_EMAIL)
    browser.google.fault("oauth2.revoke", 500, count=1)
    headers = {"X-CSRF-Token": browser.csrf()}
    browser.http.delete(browser.base + "/api/calendar", headers=headers, timeout=10)
    [refresh] = browser.google.state()["tokens"]["refresh_tokens"]
    browser.http.post(browser.google.url + "/revoke", data={"token": refresh}, timeout=10)
    with app.app_context():
        make_due()
        run_worker(once=True)
    job = _revoke_job(app)
    assert (job.status, job.secret_sealed) == ("done", None)


def test_backoff_bounds_come_from_the_settings(app: Flask) -> None:
    with app.app_context():
        app.config.update(OUTBOX_BACKOFF_MIN_S=0.5, OUTBOX_BACKOFF_MAX_S=3)
        try:
            assert timedelta(seconds=0.25) <= backoff(1) <= timedelta(seconds=0.5)
            assert all(backoff(n) <= timedelta(seconds=3) for n in range(1, 60))
            assert backoff(40) >= timedelta(seconds=1.5)
        finally:
            app.config.update(OUTBOX_BACKOFF_MIN_S=2.0, OUTBOX_BACKOFF_MAX_S=300.0)
