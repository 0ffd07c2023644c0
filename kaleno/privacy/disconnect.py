"""Disconnect Google and delete Google data: revoke at Google, then forget everything local.

The local deletion never waits for Google: when the revoke endpoint cannot be reached the
token is kept sealed in an outbox job only until the worker has revoked it.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select

from kaleno.auth.attempts import client_credentials
from kaleno.auth.connection import access_token_for, connection_binding, connection_of
from kaleno.bookings.outbox import secret_binding
from kaleno.errors import KalenoError
from kaleno.extensions import db
from kaleno.google import calendar, oauth
from kaleno.google.credentials import GrantRevoked, usable_access_token
from kaleno.google.endpoints import current_endpoints
from kaleno.google.errors import GoogleUnavailable
from kaleno.models import AvailabilityRules, Booking, GoogleConnection, OutboxJob, User, utcnow
from kaleno.models.google_connection import EVENTS_SCOPE
from kaleno.privacy import audit
from kaleno.vault import current_vault

log = logging.getLogger(__name__)
REVOKE_JOB = "google.revoke"


def disconnect(
    user: User, now: datetime, *, delete_future_events: bool, for_erasure: bool = False
) -> dict[str, Any]:
    """Revoke the grant, delete tokens, cached busy time and Google ids; return a receipt.

    ``for_erasure``: the future bookings are being cancelled, so their events are deleted
    with Google's own notice to the attendees, and events Google would not delete now are
    queued with the revoke: the worker deletes them, then revokes.
    """
    conn = connection_of(user)
    events_deleted, left = 0, list[str]()
    # First, while the grant works: stop watching, so deleting the events below is not
    # read back as the host cancelling their bookings.
    channels_stopped = _forget_sync(user, now)
    if delete_future_events and conn is not None:
        events_deleted, left = _delete_future_events(user, conn, now, notify=for_erasure)
    queued = left if for_erasure else []
    revoke_state = "nothing-to-revoke"
    if conn is not None:
        revoke_state = _revoke_or_queue(user, conn, delete_event_ids=queued)
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
        "google_events_not_deleted": len(left) - len(queued),
        "google_events_deletion_queued": len(queued),
    }


def future_bookings(user: User, now: datetime) -> list[Booking]:
    """Active bookings of ``user`` that have not ended yet, earliest first."""
    query = select(Booking).where(
        Booking.host_id == user.id, Booking.active.is_(True), Booking.end_at > now
    )
    return list(db.session.scalars(query.order_by(Booking.start_at)))


def _delete_future_events(
    user: User, conn: GoogleConnection, now: datetime, *, notify: bool
) -> tuple[int, list[str]]:
    """Delete the future bookings' events; return how many, and the ids left in Google."""
    targets = [b.google_event_id for b in future_bookings(user, now) if b.google_event_id]
    if not targets or EVENTS_SCOPE not in conn.scopes or conn.status != "connected":
        return 0, targets
    updates = _send_updates() if notify else "none"
    deleted = 0
    try:
        api = current_endpoints().calendar_api
        for event_id in targets:
            calendar.call_with_refresh(
                lambda force: access_token_for(user, EVENTS_SCOPE, now, force_refresh=force),
                lambda token, eid=event_id: calendar.delete_event(  # type: ignore[misc]
                    api, token, eid, send_updates=updates, retries=1
                ),
            )
            deleted += 1
    except KalenoError as error:
        log.warning("could not delete all future events", extra={"problem": error.slug})
    return deleted, targets[deleted:]


def _send_updates() -> str:
    return str(current_app.config.get("GOOGLE_SEND_UPDATES", "all"))


def _revoke_or_queue(user: User, conn: GoogleConnection, *, delete_event_ids: list[str]) -> str:
    vault = current_vault()
    token, kind = None, ""
    for column in ("refresh_token", "access_token"):
        sealed = getattr(conn, f"{column}_sealed")
        if sealed is not None:
            token, kind = vault.open(sealed, connection_binding(conn, column)), column
            break
    if token is None:
        return "already-invalid"
    if not delete_event_ids:
        try:
            confirmed = oauth.revoke(current_endpoints(), token)
        except GoogleUnavailable:
            confirmed = None
        if confirmed is not None:
            return "confirmed" if confirmed else "already-invalid"
    # Google is unreachable, or events must still be deleted with this grant: queue both.
    payload: dict[str, Any] = {"token_kind": kind}
    if delete_event_ids:
        payload.update(delete_event_ids=delete_event_ids, send_updates=_send_updates())
    job = OutboxJob(id=uuid.uuid4(), kind=REVOKE_JOB, user_id=user.id, payload=payload)
    job.secret_sealed = vault.seal(token, secret_binding(job))
    db.session.add(job)
    return "queued"


def run_revoke_job(job: OutboxJob) -> None:
    """Delete queued events, then revoke the grant (outbox worker); the sealed token is
    dropped once done.

    Raises:
        GoogleUnavailable: still unreachable; the worker retries with backoff.
    """
    if job.secret_sealed is not None:
        token = current_vault().open(job.secret_sealed, secret_binding(job))
        if job.payload.get("delete_event_ids"):
            _delete_queued_events(job, token)
        oauth.revoke(current_endpoints(), token)
    job.secret_sealed = None


def _delete_queued_events(job: OutboxJob, token: str) -> None:
    """Delete the events an erasure could not delete at once (404/410 count as done)."""
    endpoints = current_endpoints()
    access = token
    if job.payload.get("token_kind") == "refresh_token":
        try:
            access = usable_access_token(
                endpoints,
                client_credentials(),
                access_token=None,
                expires_at=None,
                refresh_token=token,
                scopes=frozenset({EVENTS_SCOPE}),
                now=utcnow(),
            ).token
        except GrantRevoked:
            return  # the grant is gone, and with it Kaleno's access to those events
    for event_id in list(job.payload["delete_event_ids"]):
        try:
            calendar.delete_event(
                endpoints.calendar_api,
                access,
                event_id,
                send_updates=str(job.payload.get("send_updates", "all")),
                retries=0,
            )
        except calendar.AccessTokenRejected:
            return  # revoked meanwhile: nothing more can be deleted with this grant


def _forget_google_ids(user: User, now: datetime) -> int:
    bookings = db.session.scalars(
        select(Booking).where(Booking.host_id == user.id, Booking.google_event_id.is_not(None))
    ).all()
    for booking in bookings:
        booking.google_event_id = None
        booking.google_html_link = None
        booking.google_meet_link = None
        booking.google_event_updated = None  # Google's timestamp of that event
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
