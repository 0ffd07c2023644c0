"""Sign in, connect the calendar partly then fully, choose address, zone and name."""

from __future__ import annotations

from flask import Flask

from kaleno.extensions import db
from kaleno.models import User
from tests.auth.browser import EVENTS, FREEBUSY, Browser
from tests.console.conftest import submit


def test_console_sends_a_stranger_to_sign_in_and_back(browser: Browser) -> None:
    response = browser.get("/console/hours")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/google/login?next=/console/hours"


def test_partial_then_full_calendar_grant(browser: Browser) -> None:
    browser.sign_in()
    page = browser.get("/console/calendar", headers={"Accept-Language": "en"}).text
    assert "Not connected." in page and "Connect Google Calendar" in page

    browser.connect_calendar("host@example.com", [FREEBUSY])
    page = browser.get("/console/calendar", headers={"Accept-Language": "en"}).text
    assert "Connected, but some permissions are off." in page
    assert "Without it, bookings cannot be put into your calendar." in page
    assert "Grant the missing permissions at Google" in page

    browser.connect_calendar("host@example.com", [FREEBUSY, EVENTS])
    page = browser.get("/console/calendar", headers={"Accept-Language": "en"}).text
    assert "Connected, with every permission." in page
    assert "Grant the missing permissions" not in page


def test_profile_refuses_reserved_and_taken_addresses_beside_the_field(
    app: Flask, browser: Browser
) -> None:
    with app.app_context():
        db.session.add(User(google_sub="other", slug="taken-one"))
        db.session.commit()
    browser.sign_in()
    en = {"Accept-Language": "en"}
    reserved = submit(
        browser, "/console", "/console/profile", slug="console", timezone="UTC", name="Hana"
    )
    assert reserved.status_code == 400
    assert 'id="f-slug-error"' in reserved.text and "reserved for a page of Kaleno" in reserved.text
    taken = submit(
        browser, "/console", "/console/profile", slug="taken-one", timezone="UTC", name="Hana"
    )
    assert taken.status_code == 409 and "Another host already uses this address" in taken.text

    saved = submit(
        browser, "/console", "/console/profile", slug="hana", timezone="Asia/Jakarta", name="Hana"
    )
    assert saved.status_code == 303
    page = browser.get("/console?saved=1", headers=en).text
    assert "/hana" in page and 'value="Asia/Jakarta" selected' in page
    with app.app_context():
        user = db.session.query(User).filter_by(slug="hana").one()
        assert (user.timezone, user.name) == ("Asia/Jakarta", "Hana")


def test_a_form_without_the_csrf_token_changes_nothing(app: Flask, browser: Browser) -> None:
    browser.sign_in()
    refused = browser.post(
        "/console/profile", data={"slug": "sneaky", "timezone": "UTC", "name": "X"}
    )
    assert refused.status_code == 403
    forged = browser.post(
        "/console/profile",
        data={"csrf_token": "0" * 64, "slug": "sneaky", "timezone": "UTC", "name": "X"},
    )
    assert forged.status_code == 403
    with app.app_context():
        assert db.session.query(User).filter_by(slug="sneaky").count() == 0


def test_a_changed_policy_is_told_once_and_recorded_with_its_version(
    app: Flask, browser: Browser
) -> None:
    browser.sign_in()
    en = {"Accept-Language": "en"}
    assert 'id="policy-notice"' in browser.get("/console", headers=en).text
    with app.app_context():
        from datetime import UTC, datetime

        from kaleno.models import Consent

        user = db.session.query(User).one()
        db.session.add(
            Consent(
                user_id=user.id,
                purpose="essential",
                granted=True,
                policy_version="2025-01",
                decided_at=datetime(2025, 1, 1, tzinfo=UTC),
            )
        )
        db.session.commit()
    page = browser.get("/console", headers=en).text
    assert "Our privacy policy changed" in page
    assert submit(browser, "/console", "/console/policy").status_code == 303
    assert 'id="policy-notice"' not in browser.get("/console", headers=en).text
    history = browser.get("/console/privacy", headers=en).text
    assert "2025-01" in history and "2026-11" in history


def test_new_booking_emails_switch_off_and_sign_out_ends_the_session(
    app: Flask, browser: Browser
) -> None:
    browser.sign_in()
    shown = browser.get("/console").text
    assert 'name="notify_new_booking" value="yes" checked' in shown
    saved = submit(browser, "/console", "/console/profile", slug="hana", timezone="UTC", name="H")
    assert saved.status_code == 303
    with app.app_context():
        assert db.session.query(User).one().notify_new_booking is False
    out = submit(browser, "/console", "/console/sign-out")
    assert out.status_code == 303 and out.headers["Location"] == "/"
    assert browser.get("/console").status_code == 302
    assert browser.get("/api/me").status_code == 401
