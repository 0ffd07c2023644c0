"""Restriction of processing: data is kept but not used — pages closed, no Google, no email."""

from __future__ import annotations

from datetime import datetime

from kaleno.errors import KalenoError
from kaleno.extensions import db
from kaleno.models import User
from kaleno.privacy import audit


class HostRestricted(KalenoError):
    status = 409
    slug = "processing-restricted"
    title = "This host has restricted processing of their data"


def restrict(user: User, now: datetime) -> None:
    """Switch processing off for ``user`` (idempotent); push channels are stopped first
    (no Google call may happen once restricted; the sync resumes when lifted)."""
    if user.restricted_at is None:
        from kaleno.sync.channels import stop_all

        stop_all(user, now)
        user.restricted_at = now
        audit.record("restriction.start", actor="user", subject_user_id=user.id)
    db.session.commit()


def lift(user: User) -> None:
    """Switch processing back on (idempotent); Google work parked meanwhile resumes."""
    from kaleno.bookings.outbox import resume_parked

    if user.restricted_at is not None:
        user.restricted_at = None
        audit.record("restriction.end", actor="user", subject_user_id=user.id)
        resume_parked(user.id)
    db.session.commit()


def ensure_not_restricted(user: User) -> None:
    """Guard for every processing path (booking pages, Google calls, emails).

    Raises:
        HostRestricted: 409 while the host's processing is restricted.
    """
    if user.restricted_at is not None:
        raise HostRestricted("Booking is paused while this host's data processing is restricted.")
