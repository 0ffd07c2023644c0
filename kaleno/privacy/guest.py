"""Privacy requests from customers without an account, proven by an emailed token.

The answer to a new request is the same whether or not Kaleno knows the email, so the
endpoint cannot be used to find out who booked with whom. Runs in the caller's unit of
work (the route commits); the SQLite wipe after an erasure follows that commit.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, select

from kaleno import audit
from kaleno.bookings.sync_job import SYNC_KIND
from kaleno.errors import Conflict, NotFound
from kaleno.extensions import db
from kaleno.models import (
    Booking,
    DataRequest,
    EventType,
    IdempotencyKey,
    OutboxJob,
    User,
    email_key,
)
from kaleno.notices.queue import drop_pending, enqueue_mail, request_language
from kaleno.privacy import storage
from kaleno.privacy.erasure import REQUEST_DUE, anonymize_bookings, guest_bookings_query
from kaleno.unit_of_work import after_commit, begin_write
from kaleno.vault import fingerprint

VERIFY_WITHIN = timedelta(hours=48)


def open_request(email: str, kind: str, details: dict[str, Any], now: datetime) -> DataRequest:
    """Record the request and queue the mail that carries its verification token."""
    token = secrets.token_urlsafe(32)
    email = email.strip()
    request = DataRequest(
        id=uuid.uuid4(),
        kind=kind,
        subject="guest",
        email=email,  # compared on its email_key, written with it
        token_hash=fingerprint(token),
        status="pending_verification",
        details=details,
        created_at=now,
        due_at=now + REQUEST_DUE,
    )
    db.session.add(request)
    audit.record("guest_request.opened", actor="customer", kind=kind, request_id=str(request.id))
    enqueue_mail(
        {
            "notice": "privacy_request",
            "to": request.email,
            "to_role": "guest",
            "request_id": str(request.id),
            "request_kind": kind,
            "locale": request_language(),
        },
        now,
        secret=token,
    )
    return request


def load_verified(request_id: uuid.UUID, token: str | None) -> DataRequest:
    """The guest request proven by ``token``.

    Raises:
        NotFound: unknown id or wrong token (indistinguishable on purpose).
    """
    request = db.session.get(DataRequest, request_id)
    if (
        request is None
        or request.subject != "guest"
        or not token
        or not request.token_hash
        or not hmac.compare_digest(fingerprint(token), request.token_hash)
    ):
        raise NotFound("No such request, or the token does not match.")
    return request


def confirm(request_id: uuid.UUID, token: str, now: datetime) -> DataRequest:
    """Carry out a verified guest request (once).

    Raises:
        NotFound: unknown id or wrong token.
        Conflict: the verification window passed.
    """
    return carry_out(load_verified(request_id, token), now)


def carry_out(request: DataRequest, now: datetime) -> DataRequest:
    """Carry out a guest request already proven (by its token, or a grant it was traded for).

    Raises:
        Conflict: the verification window passed (the purge then marks the request expired
            and scrubs it).
    """
    if request.status == "completed":
        return request
    if request.created_at + VERIFY_WITHIN < now:
        raise Conflict("The verification link expired; open a new request.")
    email = request.email or ""
    if request.kind == "export":
        request.result = {"bookings": _guest_bookings(email)}
    elif request.kind == "erasure":
        request.result = {"bookings_anonymized": _erase_guest(email, now)}
        after_commit(storage.wipe_freed_space)  # registered past begin_write's own commit
    elif request.kind == "rectification":
        changed = 0
        for booking in db.session.scalars(_held_guest_bookings(email)):
            for field in ("name", "phone"):
                if field in request.details:
                    setattr(booking, f"customer_{field}", request.details[field])
            changed += 1
        request.result = {"bookings_rectified": changed}
    request.details = {}  # the new name and phone live on the bookings now, nowhere else
    request.status, request.completed_at = "completed", now
    audit.record(
        "guest_request.completed", actor="customer", kind=request.kind, request_id=str(request.id)
    )
    return request


def _held_guest_bookings(email: str) -> Any:
    """Start the writing transaction, hold the row of every host the guest booked with,
    and return the query of the guest's bookings with those hosts.

    Every writer of a host's bookings takes the host's row first (``lock_bookable``,
    ``kaleno.bookings.changes``), and each booking written bumps that row: a guest request
    reaching the host rows only through those bumps held bookings while waiting for their
    host, and deadlocked on PostgreSQL against a cancel holding the host and waiting for
    one of those bookings. The hosts are taken in id order, as any other writer of several
    hosts must. A booking made meanwhile with another host is left alone, as if made just
    after the request.
    """
    begin_write()
    booked_with = (
        select(Booking.host_id).where(Booking.customer_email_key == email_key(email)).distinct()
    )
    held = db.session.scalars(
        select(User.id)
        .where(User.id.in_(booked_with))
        .order_by(User.id)
        .with_for_update(key_share=True)
    ).all()
    return guest_bookings_query(email).where(Booking.host_id.in_(held))


def _erase_guest(email: str, now: datetime) -> int:
    """Anonymize the guest's bookings and drop every other copy of their details: the
    idempotency keys of those bookings and the email, details and results of every
    request made for that address (this one included). Returns the bookings' count."""
    bookings = _held_guest_bookings(email)
    ids = [b.id for b in db.session.scalars(bookings)]
    count = anonymize_bookings(bookings, now)
    drop_pending(ids)  # no reminder or notice about them goes out any more
    for booking_id in ids:  # the worker removes the attendee from the Google event
        db.session.add(OutboxJob(kind=SYNC_KIND, booking_id=booking_id, payload={}))
    if ids:
        db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.booking_id.in_(ids)))
    for request in db.session.scalars(
        select(DataRequest).where(DataRequest.email_key == email_key(email))
    ):
        request.email, request.details = None, {}
        if request.kind == "export":
            request.result = None
    return count


def export_result(request: DataRequest, now: datetime) -> dict[str, Any] | None:
    """Hand out a stored export once: None once taken or expired (the purge drops those).

    The caller's unit of work drops the result when it commits the answer.
    """
    result, request.result = request.result, None
    if result is None or request.completed_at is None:
        return None
    if request.completed_at + export_lifetime() <= now:
        return None
    return result


def export_lifetime() -> timedelta:
    """How long an export nobody downloaded is kept (``KALENO_RETENTION_EXPORT_HOURS``)."""
    return timedelta(hours=int(current_app.config.get("RETENTION_EXPORT_HOURS", 24)))


def _guest_bookings(email: str) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(Booking, EventType.title, User.name)
        .join(EventType, EventType.id == Booking.event_type_id)
        .join(User, User.id == Booking.host_id)
        .where(Booking.id.in_(select(guest_bookings_query(email).subquery().c.id)))
        .order_by(Booking.start_at)
    ).all()
    return [
        {
            "id": str(booking.id),
            "host": host_name,
            "event_type": title,
            "start": booking.start_at.isoformat(),
            "end": booking.end_at.isoformat(),
            "status": booking.status,
            "name": booking.customer_name,
            "email": booking.customer_email,
            "phone": booking.customer_phone,
            "timezone": booking.customer_timezone,
            "notes": booking.notes,
        }
        for booking, title, host_name in rows
    ]
