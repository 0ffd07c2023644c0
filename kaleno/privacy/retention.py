"""Retention: keep data only as long as needed. Run by ``flask kaleno purge``; idempotent.

Runs in the command's unit of work; SQLite's freed pages are wiped, and the erasures'
revoke jobs run once (the worker retries them), once it committed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from functools import partial

from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.sql.expression import Executable

from kaleno.extensions import db
from kaleno.models import (
    AuditEvent,
    Booking,
    DataRequest,
    IdempotencyKey,
    OAuthAttempt,
    OutboxJob,
    User,
    UserSession,
    WebhookDelivery,
)
from kaleno.privacy import storage
from kaleno.privacy.disconnect import future_bookings, run_revoke
from kaleno.privacy.erasure import anonymize_bookings, erase_account
from kaleno.privacy.guest import VERIFY_WITHIN, export_lifetime
from kaleno.scheduling import slug_quarantine
from kaleno.unit_of_work import after_commit


@dataclass
class PurgeReport:
    """How many rows each retention rule touched (or would touch, in a dry run)."""

    bookings_anonymized: int = 0
    audit_events_deleted: int = 0
    idempotency_keys_deleted: int = 0
    oauth_attempts_deleted: int = 0
    sessions_deleted: int = 0
    guest_requests_scrubbed: int = 0
    export_results_expired: int = 0
    slug_quarantines_ended: int = 0
    outbox_jobs_deleted: int = 0
    webhook_deliveries_deleted: int = 0
    account_erasures_completed: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _days(setting: str) -> timedelta:
    return timedelta(days=int(current_app.config[setting]))


def purge(now: datetime, *, dry_run: bool) -> PurgeReport:
    """Apply every retention rule; with ``dry_run`` count what would change and roll back."""
    report = PurgeReport()
    old_bookings = select(Booking).where(
        Booking.end_at < now - _days("RETENTION_CUSTOMER_DAYS"), Booking.anonymized_at.is_(None)
    )
    report.bookings_anonymized = anonymize_bookings(old_bookings, now)
    report.audit_events_deleted = _delete(
        delete(AuditEvent).where(AuditEvent.at < now - _days("RETENTION_AUDIT_DAYS"))
    )
    report.idempotency_keys_deleted = _delete(
        delete(IdempotencyKey).where(IdempotencyKey.expires_at < now)
    )
    report.oauth_attempts_deleted = _delete(
        delete(OAuthAttempt).where(OAuthAttempt.expires_at < now)
    )
    report.sessions_deleted = _delete(delete(UserSession).where(UserSession.expires_at < now))
    report.guest_requests_scrubbed = _scrub_guest_requests(now)
    report.export_results_expired = _delete(
        update(DataRequest)
        .where(
            DataRequest.kind == "export",
            DataRequest.result.is_not(None),
            DataRequest.completed_at <= now - export_lifetime(),
        )
        .values(result=None)
    )
    report.outbox_jobs_deleted = _delete(
        delete(OutboxJob).where(
            OutboxJob.status == "done",
            OutboxJob.updated_at < now - _days("RETENTION_OUTBOX_DONE_DAYS"),
        )
    )
    report.slug_quarantines_ended = slug_quarantine.purge_expired(now)
    # A delivery holds a copy of the booking (the customer's name and email): the log is
    # kept as long as finished outbox work, then goes with its attempts.
    report.webhook_deliveries_deleted = _delete(
        delete(WebhookDelivery).where(
            WebhookDelivery.status != "pending",
            WebhookDelivery.created_at < now - _days("RETENTION_OUTBOX_DONE_DAYS"),
        )
    )
    due_erasures = _due_account_erasures(now)
    report.account_erasures_completed = len(due_erasures)
    if dry_run:
        db.session.rollback()
        return report
    erased = [erase_account(user, now, actor="system")[1] for user in due_erasures]
    for google in erased:  # each began its own writing transaction (begin_write)
        after_commit(partial(run_revoke, google, now))  # Google forgets once committed
    after_commit(storage.wipe_freed_space)
    return report


def _delete(statement: Executable) -> int:
    """Execute a bulk statement and return how many rows it touched."""
    return int(getattr(db.session.execute(statement), "rowcount", 0) or 0)


def _scrub_guest_requests(now: datetime) -> int:
    done = _delete(
        update(DataRequest)
        .where(
            DataRequest.subject == "guest",
            DataRequest.completed_at < now - _days("RETENTION_REQUEST_RESULT_DAYS"),
            (DataRequest.result.is_not(None)) | (DataRequest.email.is_not(None)),
        )
        .values(result=None, email=None, email_key=None, details={})
    )
    stale = _delete(
        update(DataRequest)
        .where(
            DataRequest.subject == "guest",
            DataRequest.status == "pending_verification",
            DataRequest.created_at < now - VERIFY_WITHIN,
        )
        .values(status="expired", email=None, email_key=None, token_hash=None, details={})
    )
    return done + stale


def _due_account_erasures(now: datetime) -> list[User]:
    """Accepted account erasures whose bookings are resolved, or whose due date has come."""
    requests = db.session.scalars(
        select(DataRequest).where(
            DataRequest.kind == "account_erasure", DataRequest.status == "awaiting_bookings"
        )
    ).all()
    users = []
    for request in requests:
        user = db.session.get(User, request.user_id) if request.user_id else None
        if user is not None and (not future_bookings(user, now) or request.due_at <= now):
            users.append(user)
    return users


def open_requests(now: datetime) -> list[DataRequest]:
    """Data requests not yet completed, overdue first, then by due date."""
    rows = db.session.scalars(
        select(DataRequest).where(
            DataRequest.status.in_(("pending_verification", "awaiting_bookings"))
        )
    ).all()
    return sorted(rows, key=lambda r: (r.due_at > now, r.due_at))
