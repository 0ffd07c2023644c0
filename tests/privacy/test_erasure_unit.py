"""Account erasure is one unit: mail that cannot go out now does not undo or break it.

Issue 12, defect 2: ``disconnect()`` committed first and the customers' emails were sent
synchronously, so with SMTP down ``DELETE /api/me`` answered 500 every time, leaving the
grant revoked and the events deleted while the bookings stayed confirmed. Mail now goes
through the outbox in the erasure's own commit (this test passes on main since the mail
work was merged; it stays as the guard).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from flask import Flask

from kaleno.extensions import db
from kaleno.models import Booking, GoogleConnection, OutboxJob, User, utcnow
from tests.auth.browser import Browser
from tests.bookings.conftest import Page, next_slot, open_page


@pytest.fixture
def smtp_down(app: Flask) -> Iterator[None]:
    """Point the mail transport at a port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    previous = app.config.get("MAIL_URL")
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{port}"
    yield
    app.config["MAIL_URL"] = previous


def test_erasure_with_smtp_down_completes_in_one_unit(
    app: Flask, browser: Browser, smtp_down: None
) -> None:
    host_id, event_type_id = open_page(app, browser)
    page = Page(app, browser, browser.google, host_id, event_type_id)
    booked = page.book(next_slot())
    assert booked.status_code == 201, booked.text
    assert len(page.live_events()) == 1
    erased = page.host("DELETE", "/api/me?cancel_future_bookings=true")
    assert erased.status_code == 200, erased.text
    assert erased.json()["bookings_cancelled"] == 1
    assert page.live_events() == []  # deleted with Google's notice to the attendee
    with app.app_context():
        assert [b.status for b in db.session.query(Booking)] == ["cancelled"]
        assert db.session.query(GoogleConnection).count() == 0
        user = db.session.get(User, host_id)
        assert user is not None and user.email is None
        mail = db.session.query(OutboxJob).filter_by(kind="mail", status="pending").all()
        assert mail, "the customer's cancellation waits in the outbox for SMTP"


def test_a_token_refreshed_during_an_erasure_does_not_commit_it_half_done(
    app: Flask, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The erasure's Google calls refresh the access token on the way. Persisting the
    new token is a unit of its own: it must not commit the erasure's writes so far, so
    an erasure failing afterwards leaves the account whole."""
    host_id, event_type_id = open_page(app, browser)
    page = Page(app, browser, browser.google, host_id, event_type_id)
    booked = page.book(next_slot())
    assert booked.status_code == 201, booked.text
    # Restricted: the erasure lifts that first (a write) and then calls Google.
    assert page.host("POST", "/api/me/restriction").status_code == 200
    with app.app_context():  # the stored access token is stale: the erasure refreshes it
        conn = db.session.query(GoogleConnection).one()
        conn.access_token_expires_at = utcnow()
        db.session.commit()

    def fail(*args: object, **kwargs: object) -> int:
        raise RuntimeError("the erasure fails after its Google calls")

    monkeypatch.setattr("kaleno.privacy.erasure.anonymize_bookings", fail)
    erased = page.host("DELETE", "/api/me?cancel_future_bookings=true")
    assert erased.status_code == 500
    with app.app_context():
        booking = db.session.query(Booking).one()
        assert (booking.status, booking.customer_email) == ("confirmed", "ada@example.org")
        assert booking.google_event_id is not None
        conn = db.session.query(GoogleConnection).one()
        assert conn.status == "connected" and conn.refresh_token_sealed is not None
        user = db.session.get(User, host_id)
        assert user is not None and user.email is not None
        assert user.restricted_at is not None  # still restricted: nothing of it was kept
        assert db.session.query(OutboxJob).filter_by(kind="google.revoke").count() == 0
