"""``flask kaleno purge`` and ``flask kaleno requests``: retention applied, idempotent."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from kaleno.extensions import db
from kaleno.models import (
    AuditEvent,
    Booking,
    DataRequest,
    IdempotencyKey,
    OutboxJob,
    User,
    utcnow,
)
from tests.bookings.conftest import Page, next_slot
from tests.privacy import factories


def _seed(app: Flask) -> None:
    now = utcnow()
    with app.app_context():
        user = User(google_sub="sub-r", email="r@example.com", name="R")
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    et = factories.event_type(app, user_id)
    factories.booking(app, user_id, et, now - timedelta(days=400), email="ancient@example.com")
    factories.booking(app, user_id, et, now - timedelta(days=10), email="recent@example.com")
    with app.app_context():
        db.session.add(AuditEvent(at=now - timedelta(days=800), actor="user", action="signin"))
        db.session.add(AuditEvent(at=now - timedelta(days=1), actor="user", action="signin"))
        db.session.add(
            IdempotencyKey(
                event_type_id=et, key="k1", request_hash="h", expires_at=now - timedelta(hours=1)
            )
        )
        db.session.add(
            IdempotencyKey(
                event_type_id=et, key="k2", request_hash="h", expires_at=now + timedelta(hours=1)
            )
        )
        db.session.commit()


def _run(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["kaleno", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_dry_run_counts_then_purge_applies_then_nothing_left(app: Flask) -> None:
    _seed(app)
    dry = _run(app, "purge", "--dry-run")
    assert "would bookings anonymized: 1" in dry
    assert "would audit events deleted: 1" in dry
    assert "would idempotency keys deleted: 1" in dry
    with app.app_context():
        assert db.session.query(AuditEvent).count() == 2  # the dry run changed nothing
    real = _run(app, "purge")
    assert "bookings anonymized: 1" in real
    with app.app_context():
        emails = sorted(str(b.customer_email) for b in db.session.query(Booking).all())
        assert emails == ["None", "recent@example.com"]
        assert db.session.query(IdempotencyKey).count() == 1
    again = _run(app, "purge")
    assert all(line.endswith(": 0") for line in again.strip().splitlines())


def test_accepted_account_erasure_completes_once_bookings_are_resolved(app: Flask) -> None:
    now = utcnow()
    with app.app_context():
        user = User(google_sub="sub-wait", email="wait@example.com", name="Wanda")
        db.session.add(user)
        db.session.flush()
        db.session.add(
            DataRequest(
                kind="account_erasure",
                subject="host",
                user_id=user.id,
                status="awaiting_bookings",
                due_at=now + timedelta(days=30),
            )
        )
        db.session.commit()
        user_id = user.id
    et = factories.event_type(app, user_id)
    booking_id = factories.booking(app, user_id, et, now + timedelta(days=1))
    listing = _run(app, "requests")
    assert "account_erasure" in listing and "awaiting_bookings" in listing
    assert "account erasures completed: 0" in _run(app, "purge")
    with app.app_context():
        booking = db.session.get(Booking, booking_id)
        assert booking is not None
        booking.active, booking.status = False, "cancelled"
        db.session.commit()
    assert "account erasures completed: 1" in _run(app, "purge")
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None and user.email is None and user.google_sub.startswith("erased:")
        assert db.session.query(DataRequest).one().status == "completed"
        assert (
            db.session.query(AuditEvent).filter_by(action="operator.requests_listed").count() == 1
        )


def test_a_due_erasure_makes_google_forget_once_the_purge_committed(page: Page) -> None:
    """The purge's erasures queue their revoke in the command's unit and run it after the
    commit: the host's events are deleted and the grant revoked when the command ends."""
    booked = page.book(next_slot())
    assert booked.status_code == 201, booked.text
    assert len(page.live_events()) == 1
    now = utcnow()
    with page.app.app_context():
        db.session.add(
            DataRequest(
                kind="account_erasure",
                subject="host",
                user_id=page.host_id,
                status="awaiting_bookings",
                due_at=now - timedelta(days=1),  # overdue: its bookings are cancelled
            )
        )
        db.session.commit()
    assert "account erasures completed: 1" in _run(page.app, "purge")
    assert page.live_events() == []
    assert all(g["revoked"] for g in page.google.state()["tokens"]["grants"])
    with page.app.app_context():
        job = db.session.query(OutboxJob).filter_by(kind="google.revoke").one()
        assert (job.status, job.secret_sealed) == ("done", None)
