"""Export, consent, restriction and account erasure for a signed-in host."""

from __future__ import annotations

import json
from datetime import timedelta

import jsonschema
from flask import Flask

from kaleno.extensions import db
from kaleno.models import AuditEvent, Booking, DataRequest, User, utcnow
from kaleno.privacy.consents import POLICY_VERSION
from kaleno.privacy.export import HostExport
from tests.auth.browser import Browser
from tests.conftest import every_row
from tests.notices.mailbox import memory_mail_to, text_of
from tests.privacy import factories

EMAIL = "ana@example.com"
NAME = "Ana Erasable"


def _signed_in(app: Flask, browser: Browser) -> tuple[str, User]:
    sub = browser.sign_in(EMAIL, NAME)
    browser.connect_calendar(EMAIL)
    return sub, factories.host(app, EMAIL)


def test_export_is_complete_valid_and_secret_free(app: Flask, browser: Browser) -> None:
    sub, user = _signed_in(app, browser)
    et = factories.event_type(app, user.id)
    factories.booking(app, user.id, et, utcnow() + timedelta(days=1))
    factories.booking(app, user.id, et, utcnow() - timedelta(days=1), email="b@example.com")
    csrf = browser.csrf()
    browser.http.put(
        browser.base + "/api/me/consents",
        headers={"X-CSRF-Token": csrf},
        json={"policy_version": POLICY_VERSION, "purposes": {"analytics": True}},
    )
    response = browser.get("/api/me/export")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    document = response.json()
    jsonschema.validate(document, HostExport.model_json_schema())
    assert document["profile"]["google_sub"] == sub
    assert len(document["bookings"]) == 2
    assert len(document["event_types"]) == 1
    assert [c["purpose"] for c in document["consents"]] == ["analytics"]
    assert document["calendar_connection"]["status"] == "connected"
    with app.app_context():
        audit_rows = db.session.query(AuditEvent).filter_by(subject_user_id=user.id).count()
    assert len(document["audit_events"]) == audit_rows - 1  # the export itself is logged after
    tokens = browser.google.state()["tokens"]
    text = json.dumps(document)
    for token in {t["token"] for t in tokens["access_tokens"]} | set(tokens["refresh_tokens"]):
        assert token not in text
    assert "sealed" not in text


def test_consents_give_withdraw_and_keep_history(browser: Browser) -> None:
    browser.sign_in(EMAIL)
    state = browser.get("/api/me/consents").json()
    assert state["purposes"]["analytics"]["granted"] is False
    assert state["purposes"]["essential"]["granted"] is True
    headers = {"X-CSRF-Token": browser.csrf()}
    url = browser.base + "/api/me/consents"
    give = {"policy_version": POLICY_VERSION, "purposes": {"analytics": True, "marketing": True}}
    assert browser.http.put(url, headers=headers, json=give).status_code == 200
    withdraw = {"policy_version": POLICY_VERSION, "purposes": {"marketing": False}}
    after = browser.http.put(url, headers=headers, json=withdraw).json()
    assert after["purposes"]["analytics"]["granted"] is True
    assert after["purposes"]["marketing"]["granted"] is False
    assert [(h["purpose"], h["granted"]) for h in after["history"]] == [
        ("analytics", True),
        ("marketing", True),
        ("marketing", False),
    ]
    bad = browser.http.put(
        url,
        headers=headers,
        json={"policy_version": POLICY_VERSION, "purposes": {"essential": False}},
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "purposes.essential"
    old = browser.http.put(
        url, headers=headers, json={"policy_version": "2001-01", "purposes": {"analytics": True}}
    )
    assert old.status_code == 400
    assert browser.http.put(url, json=give).status_code == 403


def test_restriction_sets_and_lifts_with_audit(app: Flask, browser: Browser) -> None:
    _, user = _signed_in(app, browser)
    headers = {"X-CSRF-Token": browser.csrf()}
    on = browser.http.post(browser.base + "/api/me/restriction", headers=headers)
    assert on.json()["restricted"] is True
    with app.app_context():
        assert db.session.get(User, user.id).restricted_at is not None  # type: ignore[union-attr]
    off = browser.http.delete(browser.base + "/api/me/restriction", headers=headers)
    assert off.json() == {"restricted": False, "restricted_at": None}
    with app.app_context():
        actions = [a.action for a in db.session.query(AuditEvent).order_by(AuditEvent.at)]
    assert actions[-2:] == ["restriction.start", "restriction.end"]


def test_erasure_waits_for_future_bookings_with_a_due_date(app: Flask, browser: Browser) -> None:
    _, user = _signed_in(app, browser)
    et = factories.event_type(app, user.id)
    factories.booking(app, user.id, et, utcnow() + timedelta(days=2))
    response = browser.http.delete(
        browser.base + "/api/me", headers={"X-CSRF-Token": browser.csrf()}
    )
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "accepted"
    assert body["future_bookings"] == 1
    with app.app_context():
        request = db.session.query(DataRequest).one()
        assert request.status == "awaiting_bookings"
        assert request.due_at - request.created_at == timedelta(days=30)
    assert browser.me().status_code == 200  # nothing erased yet


def test_erasure_now_leaves_no_personal_data(app: Flask, browser: Browser) -> None:
    sub, user = _signed_in(app, browser)
    et = factories.event_type(app, user.id)
    factories.booking(app, user.id, et, utcnow() + timedelta(days=2), email="cust@example.com")
    factories.booking(app, user.id, et, utcnow() - timedelta(days=2), email="old@example.com")
    response = browser.http.delete(
        browser.base + "/api/me?cancel_future_bookings=true",
        headers={"X-CSRF-Token": browser.csrf()},
    )
    assert response.status_code == 200, response.text
    receipt = response.json()
    assert receipt["status"] == "completed"
    assert receipt["bookings_cancelled"] == 1
    assert receipt["bookings_anonymized"] == 2
    assert receipt["google"]["google_revoke"] == "confirmed"
    assert "booking facts" in receipt["kept"]
    # The customer's notice is queued with the erasure and keeps their address until sent.
    [mail] = memory_mail_to(app, "cust@example.com")
    assert mail["Subject"].startswith("Booking cancelled")
    assert "host account erased" in text_of(mail)
    with app.app_context():
        bookings = db.session.query(Booking).all()
    dump = every_row(app)
    for needle in (EMAIL, NAME, sub, "cust@example.com", "old@example.com", "Gina Guest"):
        assert needle not in dump, needle
    assert {b.status for b in bookings} == {"cancelled", "confirmed"}
    assert all(b.anonymized_at is not None for b in bookings)
    assert browser.me().status_code == 401
