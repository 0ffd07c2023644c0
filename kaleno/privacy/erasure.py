"""Erasure: a host's account (``DELETE /api/me``) and a guest's bookings (by verified email).

What is kept is stated in every receipt (``kaleno.privacy.remainder``): booking facts with
the customer's details removed, tombstones, and audit entries that name no person.
Runs in the caller's unit of work (the route or the purge command commits); SQLite's
freed pages are wiped, and Google is asked to forget the grant (the one queued
``google.revoke`` job), once that commit is done (``kaleno.privacy.storage``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from kaleno import audit
from kaleno.bookings.hooks import BookingChange, announce
from kaleno.extensions import db
from kaleno.grant.tokens import REVOKE_KIND
from kaleno.models import (
    ApiKey,
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
    WebhookDelivery,
    WebhookEndpoint,
    email_key,
)
from kaleno.privacy import storage
from kaleno.privacy.disconnect import Disconnection, disconnect, finish, future_bookings
from kaleno.privacy.remainder import KEPT_COLUMNS, KEPT_STATEMENT
from kaleno.scheduling import slug_quarantine
from kaleno.unit_of_work import after_commit, begin_write

REQUEST_DUE = timedelta(days=30)
HOST_ERASED = "host account erased"


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
            db.session.flush()  # its id is in the answer
            audit.record(
                "erasure.accepted",
                actor="user",
                subject_user_id=user.id,
                future_bookings=len(pending),
            )
        return 202, {
            "status": "accepted",
            "request_id": request.id,
            "due_at": request.due_at,
            "future_bookings": len(pending),
            "detail": "Your account will be erased once its future bookings have taken place or "
            "were cancelled, at the latest by the due date (then they are cancelled). "
            "Send cancel_future_bookings=true to cancel them and erase now.",
        }
    body, google = erase_account(user, now, actor="user")
    return 200, {**body, "google": finish(google, now)}


def erase_account(user: User, now: datetime, *, actor: str) -> tuple[dict[str, Any], Disconnection]:
    """Disconnect Google, cancel future bookings (customers told), delete personal data.

    Returns the receipt (without its ``google`` part) and the disconnect, whose revoke job
    runs once the caller committed the unit (``disconnect.finish`` / ``run_revoke``): no
    Google call is made in the unit.
    """
    user_id = user.id
    # Hold the host's row before reading its bookings: a booking being written now holds
    # it shared (kaleno.scheduling.public_slots.lock_bookable), so it either lands first
    # and is cancelled below, or waits and then finds the page gone.
    begin_write()
    db.session.get(User, user_id, with_for_update=True, populate_existing=True)
    # Erasure is the host's own request and ends any restriction: the customers whose
    # bookings it cancels are told, and the invitations are removed from Google.
    user.restricted_at = None
    future = future_bookings(user, now)
    google = disconnect(user, now, delete_future_events=True, for_erasure=True)
    # The host's queued work goes first; the cancellation notices queued below stay. So do
    # the webhook endpoints (their deliveries and attempts cascade): the cancellations
    # announced below then find no endpoint to queue an event for.
    db.session.execute(
        delete(OutboxJob).where(OutboxJob.user_id == user_id, OutboxJob.kind != REVOKE_KIND)
    )
    db.session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.user_id == user_id))
    for booking in future:
        booking.status, booking.active = "cancelled", False
        booking.cancelled_at, booking.cancelled_by = now, "system"
        booking.cancel_reason = HOST_ERASED
        announce(BookingChange("cancelled", booking, "system", now))  # the customer is told
    _drop_host_from_guest_exports(user_id)
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
    for model in (AvailabilityRules, Consent, UserSession, OAuthAttempt, ApiKey):
        db.session.execute(delete(model).where(model.user_id == user_id))
    if user.slug is not None:  # held for nobody: the old link must not pass to someone else
        slug_quarantine.release(user.slug, None, now)
    user.google_sub = f"erased:{user_id}"
    user.email = user.name = user.slug = user.hosted_domain = user.embed_origins = None
    user.last_login_at = None
    user.email_verified, user.timezone = False, "UTC"
    user.restricted_at = now
    for request in db.session.scalars(select(DataRequest).filter_by(user_id=user_id)):
        request.email, request.token_hash = None, None
        if request.kind == "account_erasure" and request.completed_at is None:
            request.status, request.completed_at = "completed", now
    audit.record(
        "erasure.completed",
        actor=actor,
        subject_user_id=user_id,
        bookings_cancelled=len(future),
        bookings_anonymized=anonymized,
    )
    after_commit(storage.wipe_freed_space)  # the old pages are freed by the commit only
    return {
        "status": "completed",
        "erased_at": now,
        "bookings_cancelled": len(future),
        "bookings_anonymized": anonymized,
        "event_types_scrubbed": len(event_types),
        "kept": KEPT_STATEMENT,
        "kept_columns": {table: list(columns) for table, columns in KEPT_COLUMNS.items()},
    }, google


def _drop_host_from_guest_exports(host_id: Any) -> None:
    """Take the host's bookings (host name, event titles) out of guests' stored exports."""
    ids = {str(i) for i in db.session.scalars(select(Booking.id).filter_by(host_id=host_id))}
    stored = select(DataRequest).where(
        DataRequest.kind == "export", DataRequest.result.is_not(None)
    )
    for request in db.session.scalars(stored):
        entries = list((request.result or {}).get("bookings", []))
        kept = [entry for entry in entries if entry.get("id") not in ids]
        if len(kept) != len(entries):
            request.result = {**(request.result or {}), "bookings": kept}


def anonymize_bookings(query: Any, now: datetime) -> int:
    """Remove customer details (and their free text) from the bookings ``query`` selects;
    return how many."""
    ids = []
    for booking in db.session.scalars(query):
        booking.customer_name = booking.customer_email = booking.customer_phone = None
        booking.notes = None
        booking.customer_timezone = "UTC"
        if booking.cancel_reason != HOST_ERASED:  # anything else may be a person's words
            booking.cancel_reason = None
        booking.manage_token_hash = None
        booking.anonymized_at = booking.anonymized_at or now
        ids.append(booking.id)
    if ids:  # webhook deliveries hold a copy of the booking as it was
        db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.booking_id.in_(ids)))
    return len(ids)


def guest_bookings_query(email: str) -> Any:
    """Bookings whose customer email is ``email``, compared on ``email_key`` (Unicode
    case-folded, stored at write time)."""
    return select(Booking).where(Booking.customer_email_key == email_key(email))
