"""Disconnect Google and delete Google data: revoke at Google, then forget everything local.

The local deletion never waits for Google: when the revoke endpoint cannot be reached the
token is kept sealed in an outbox job only until the worker has revoked it.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from kaleno.auth.connection import access_token_for, connection_binding, connection_of
from kaleno.errors import KalenoError
from kaleno.extensions import db
from kaleno.google import calendar, oauth
from kaleno.google.endpoints import current_endpoints
from kaleno.google.errors import GoogleUnavailable
from kaleno.models import AvailabilityRules, Booking, GoogleConnection, OutboxJob, User
from kaleno.models.google_connection import EVENTS_SCOPE
from kaleno.privacy import audit
from kaleno.vault import binding, current_vault

log = logging.getLogger(__name__)
REVOKE_JOB = "google.revoke"


def disconnect(user: User, now: datetime, *, delete_future_events: bool) -> dict[str, Any]:
    """Revoke the grant, delete tokens, cached busy time and Google ids; return a receipt."""
    conn = connection_of(user)
    events_deleted, events_kept = 0, 0
    # First, while the grant works: stop watching, so deleting the events below is not
    # read back as the host cancelling their bookings.
    channels_stopped = _forget_sync(user, now)
    if delete_future_events and conn is not None:
        events_deleted, events_kept = _delete_future_events(user, conn, now)
    revoke_state = "nothing-to-revoke"
    if conn is not None:
        revoke_state = _revoke_or_queue(user, conn)
        db.session.delete(conn)
    cleared_ids = _forget_google_ids(user, now)
    calendars_cleared = _reset_calendars(user)
    user.hosted_domain = None
    _drop_busy_cache(user.id)
    audit.record(
        "calendar.disconnect",
        actor="user",
        subject_user_id=user.id,
        revoke=revoke_state,
        events_deleted=events_deleted,
        channels_stopped=channels_stopped,
    )
    db.session.commit()
    return {
        "disconnected_at": now,
        "google_revoke": revoke_state,
        "google_confirmed_revoke": revoke_state in ("confirmed", "already-invalid"),
        "deleted": {
            "sealed_tokens": 2 if conn is not None else 0,
            "google_event_ids": cleared_ids,
            "selected_calendar_ids": calendars_cleared,
            "free_busy_cache": True,
            "google_profile_fields": ["hosted_domain"],
        },
        "google_events_deleted": events_deleted,
        "google_events_not_deleted": events_kept,
    }


def future_bookings(user: User, now: datetime) -> list[Booking]:
    """Active bookings of ``user`` that have not ended yet, earliest first."""
    query = select(Booking).where(
        Booking.host_id == user.id, Booking.active.is_(True), Booking.end_at > now
    )
    return list(db.session.scalars(query.order_by(Booking.start_at)))


def _delete_future_events(user: User, conn: GoogleConnection, now: datetime) -> tuple[int, int]:
    targets = [b for b in future_bookings(user, now) if b.google_event_id]
    if not targets or EVENTS_SCOPE not in conn.scopes or conn.status != "connected":
        return 0, len(targets)
    deleted = 0
    try:
        api = current_endpoints().calendar_api
        for booking in targets:
            assert booking.google_event_id is not None
            event_id = booking.google_event_id
            calendar.call_with_refresh(
                lambda force: access_token_for(user, EVENTS_SCOPE, now, force_refresh=force),
                lambda token, eid=event_id: calendar.delete_event(  # type: ignore[misc]
                    api, token, eid, send_updates="none", retries=1
                ),
            )
            deleted += 1
    except KalenoError as error:
        log.warning("could not delete all future events", extra={"problem": error.slug})
    return deleted, len(targets) - deleted


def _revoke_or_queue(user: User, conn: GoogleConnection) -> str:
    vault = current_vault()
    token = None
    for column in ("refresh_token", "access_token"):
        sealed = getattr(conn, f"{column}_sealed")
        if sealed is not None:
            token = vault.open(sealed, connection_binding(conn, column))
            break
    if token is None:
        return "already-invalid"
    try:
        confirmed = oauth.revoke(current_endpoints(), token)
    except GoogleUnavailable:
        job = OutboxJob(id=uuid.uuid4(), kind=REVOKE_JOB, user_id=user.id, payload={})
        job.secret_sealed = vault.seal(token, _job_binding(job))
        db.session.add(job)
        return "queued"
    return "confirmed" if confirmed else "already-invalid"


def run_revoke_job(job: OutboxJob) -> None:
    """Revoke a queued grant (outbox worker); the sealed token is dropped once done.

    Raises:
        GoogleUnavailable: still unreachable; the worker retries with backoff.
    """
    if job.secret_sealed is not None:
        token = current_vault().open(job.secret_sealed, _job_binding(job))
        oauth.revoke(current_endpoints(), token)
    job.secret_sealed = None


def _job_binding(job: OutboxJob) -> bytes:
    """Associated data of a queued revoke's sealed token (the same for seal and open)."""
    return binding("outbox_jobs", "secret", job.id, job.user_id or "-")


def _forget_google_ids(user: User, now: datetime) -> int:
    bookings = db.session.scalars(
        select(Booking).where(Booking.host_id == user.id, Booking.google_event_id.is_not(None))
    ).all()
    for booking in bookings:
        booking.google_event_id = None
        booking.google_html_link = None
        booking.google_meet_link = None
        # Only what has not ended waits for a reconnect; the past is left alone.
        if booking.end_at > now and (booking.google_sync != "synced" or booking.active):
            booking.google_sync = "parked"
    pending = db.session.scalars(
        select(OutboxJob).where(
            OutboxJob.kind == "booking.sync",
            OutboxJob.status == "pending",
            OutboxJob.booking_id.in_(select(Booking.id).where(Booking.host_id == user.id)),
        )
    ).all()
    for job in pending:
        job.status = "parked"
        job.last_error = "Google Calendar was disconnected"
    return len(bookings)


def _forget_sync(user: User, now: datetime) -> int:
    """Stop the push channels and forget the sync token (two-way sync)."""
    from kaleno.models import CalendarSync
    from kaleno.sync.channels import stop_all

    stopped = stop_all(user, now)
    state = db.session.get(CalendarSync, user.id)
    if state is not None:
        db.session.delete(state)
    return stopped


def _reset_calendars(user: User) -> int:
    rules = db.session.scalars(select(AvailabilityRules).filter_by(user_id=user.id)).one_or_none()
    if rules is None:
        return 0
    removed = len([c for c in rules.calendar_ids if c != "primary"])
    rules.calendar_ids = ["primary"]
    return removed


def _drop_busy_cache(user_id: uuid.UUID) -> None:
    from kaleno.availability.service import invalidate_busy_cache

    invalidate_busy_cache(user_id)
