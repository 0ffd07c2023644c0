"""Erasure: a host's account (``DELETE /api/me``) and a guest's bookings (by verified email).

What is kept is stated in every receipt: booking facts (times, status, event type id) with
the customer's details removed, and audit entries that name no person.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select

from kaleno.extensions import db
from kaleno.mail import send_mail
from kaleno.models import (
    AvailabilityRules,
    Booking,
    Consent,
    DataRequest,
    EventType,
    IdempotencyKey,
    OAuthAttempt,
    OutboxJob,
    User,
    UserSession,
)
from kaleno.privacy import audit
from kaleno.privacy.disconnect import disconnect, future_bookings

REQUEST_DUE = timedelta(days=30)
KEPT_STATEMENT = (
    "Kept: booking facts (start, end, status, event type id) with every customer detail "
    "removed, and audit entries that record actions without personal data."
)


def request_account_erasure(
    user: User, now: datetime, *, cancel_future: bool
) -> tuple[int, dict[str, Any]]:
    """Erase now, or accept the request until future bookings are resolved.

    Returns ``(200, receipt)`` when done, ``(202, request)`` when waiting for bookings.
    """
    pending = future_bookings(user, now)
    if pending and not cancel_future:
        request = db.session.scalars(
            select(DataRequest).filter_by(
                user_id=user.id, kind="account_erasure", status="awaiting_bookings"
            )
        ).first()
        if request is None:
            request = DataRequest(
                kind="account_erasure",
                subject="host",
                user_id=user.id,
                status="awaiting_bookings",
                created_at=now,
                due_at=now + REQUEST_DUE,
                details={"future_bookings": len(pending)},
            )
            db.session.add(request)
            audit.record(
                "erasure.accepted",
                actor="user",
                subject_user_id=user.id,
                future_bookings=len(pending),
            )
            db.session.commit()
        return 202, {
            "status": "accepted",
            "request_id": request.id,
            "due_at": request.due_at,
            "future_bookings": len(pending),
            "detail": "Your account will be erased once its future bookings have taken place or "
            "were cancelled, at the latest by the due date (then they are cancelled). "
            "Send cancel_future_bookings=true to cancel them and erase now.",
        }
    return 200, erase_account(user, now, actor="user")


def erase_account(user: User, now: datetime, *, actor: str) -> dict[str, Any]:
    """Disconnect Google, cancel future bookings (customers told), delete personal data."""
    user_id = user.id
    future = future_bookings(user, now)
    google = disconnect(user, now, delete_future_events=True)
    for booking in future:
        if booking.customer_email and user.restricted_at is None:
            send_mail(
                booking.customer_email,
                "Your booking was cancelled",
                f"Your booking on {booking.start_at.isoformat()} was cancelled because the host "
                "closed their account.",
            )
        booking.status, booking.active = "cancelled", False
        booking.cancelled_at, booking.cancelled_by = now, "system"
        booking.cancel_reason = "host account erased"
    anonymized = anonymize_bookings(select(Booking).where(Booking.host_id == user_id), now)
    event_types = list(db.session.scalars(select(EventType).filter_by(user_id=user_id)))
    for event_type in event_types:
        event_type.slug = f"erased-{event_type.id.hex[:12]}"
        event_type.title, event_type.description = "erased", ""
        event_type.location_address = event_type.location_details = None
        event_type.active, event_type.archived_at = False, now
    type_ids = [t.id for t in event_types]
    if type_ids:
        db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.event_type_id.in_(type_ids)))
    for model in (AvailabilityRules, Consent, UserSession, OAuthAttempt):
        db.session.execute(delete(model).where(model.user_id == user_id))
    db.session.execute(
        delete(OutboxJob).where(OutboxJob.user_id == user_id, OutboxJob.kind != "google.revoke")
    )
    user.google_sub = f"erased:{user_id}"
    user.email = user.name = user.slug = user.hosted_domain = None
    user.email_verified = False
    user.restricted_at = now
    for request in db.session.scalars(select(DataRequest).filter_by(user_id=user_id)):
        request.email = None
        if request.kind == "account_erasure" and request.completed_at is None:
            request.status, request.completed_at = "completed", now
    audit.record(
        "erasure.completed",
        actor=actor,
        subject_user_id=user_id,
        bookings_cancelled=len(future),
        bookings_anonymized=anonymized,
    )
    db.session.commit()
    return {
        "status": "completed",
        "erased_at": now,
        "google": google,
        "bookings_cancelled": len(future),
        "bookings_anonymized": anonymized,
        "event_types_scrubbed": len(event_types),
        "kept": KEPT_STATEMENT,
    }


def anonymize_bookings(query: Any, now: datetime) -> int:
    """Remove customer details from the bookings ``query`` selects; return how many."""
    count = 0
    for booking in db.session.scalars(query):
        booking.customer_name = booking.customer_email = booking.customer_phone = None
        booking.notes = None
        booking.manage_token_hash = None
        booking.anonymized_at = booking.anonymized_at or now
        count += 1
    return count


def guest_bookings_query(email: str) -> Any:
    """Bookings whose customer email is ``email`` (case-insensitive)."""
    return select(Booking).where(func.lower(Booking.customer_email) == email.lower())
