"""Restriction of processing: data is kept but not used — pages closed, no Google, no email."""

from __future__ import annotations

from datetime import datetime

from kaleno import audit
from kaleno.models import User
from kaleno.outbox import resume_parked
from kaleno.sync.channels import stop_all


def restrict(user: User, now: datetime) -> None:
    """Switch processing off for ``user`` (idempotent); push channels are stopped first
    (no Google call may happen once restricted; the sync resumes when lifted)."""
    if user.restricted_at is None:
        stop_all(user, now)
        user.restricted_at = now
        audit.record("restriction.start", actor="user", subject_user_id=user.id)


def lift(user: User) -> None:
    """Switch processing back on (idempotent); Google work parked meanwhile resumes."""
    if user.restricted_at is not None:
        user.restricted_at = None
        audit.record("restriction.end", actor="user", subject_user_id=user.id)
        resume_parked(user.id)
