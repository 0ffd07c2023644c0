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

from kaleno import audit
from kaleno.bookings import sync_job
from kaleno.bookings.google_event import google_event_id, replacement_event_id
from kaleno.errors import KalenoError
from kaleno.extensions import db
from kaleno.grant import calls, revoke
from kaleno.grant.tokens import connection_of, usable_for
from kaleno.models import (
    AvailabilityRules,
    Booking,
    CalendarSync,
    GoogleConnection,
    OutboxJob,
    User,
)
from kaleno.models.google_connection import EVENTS_SCOPE
from kaleno.scheduling.offered_slots import invalidate_busy_cache
from kaleno.sync.channels import stop_all
from kaleno.unit_of_work import begin_write

log = logging.getLogger(__name__)


def disconnect(
    user: User, now: datetime, *, delete_future_events: bool, for_erasure: bool = False
) -> dict[str, Any]:
    """Revoke the grant, delete tokens, cached busy time and Google ids; return a receipt.

    ``for_erasure``: the future bookings are being cancelled, so their events are deleted
    with Google's own notice to the attendees, and events Google would not delete now are
    queued with the revoke: the worker deletes them, then revokes.

    The fence against a sync job a worker is running right now (its Google insert may
    land after the deletes above): its events are queued with the revoke, which waits
    until that job's lease has ended, and the job, parked here, writes nothing back.
    Runs in the caller's unit of work (the route, or the erasure, commits), in a writing
    transaction: the host's row is held first, the order every writer of a host's
    bookings takes (it then clears their Google ids and its own fields).
    """
    db.session.get(User, user.id, with_for_update={"key_share": True})
    conn = connection_of(user)
    events_deleted, left = 0, list[str]()
    in_flight: list[str] = []
    lease_end: datetime | None = None
    # First, while the grant works: stop watching, so deleting the events below is not
    # read back as the host cancelling their bookings.
    channels_stopped = _forget_sync(user, now)
    if delete_future_events and conn is not None:
        events_deleted, left = _delete_future_events(user, conn, now, notify=for_erasure)
        in_flight, lease_end = _in_flight_events(user, now)
    queued = list(left) if for_erasure else []
    queued += [event_id for event_id in in_flight if event_id not in queued]
    revoke_state = "nothing-to-revoke"
    if conn is not None:
        revoke_state = revoke.revoke_or_queue(
            user,
            conn,
            delete_event_ids=queued,
            send_updates=_send_updates() if for_erasure else "none",
            not_before=lease_end or now,
        )
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
        "google_events_not_deleted": len([e for e in left if e not in queued]),
        "google_events_deletion_queued": len(queued),
    }


def disconnect_on_request(
    user: User, now: datetime, *, delete_future_events: bool
) -> dict[str, Any]:
    """``DELETE /api/calendar``: ``disconnect`` in a writing transaction of its own."""
    begin_write()
    return disconnect(user, now, delete_future_events=delete_future_events)


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
    if not targets or not usable_for(conn, EVENTS_SCOPE):
        return 0, targets
    updates = _send_updates() if notify else "none"
    deleted = 0
    try:
        for event_id in targets:
            calls.delete_event(user, now, event_id, send_updates=updates, retries=1)
            deleted += 1
    except KalenoError as error:
        log.warning("could not delete all future events", extra={"problem": error.slug})
    return deleted, targets[deleted:]


def _send_updates() -> str:
    return str(current_app.config.get("GOOGLE_SEND_UPDATES", "all"))


def _in_flight_events(user: User, now: datetime) -> tuple[list[str], datetime | None]:
    """Events a worker may be writing right now for the host's future bookings (their sync
    job is leased), every id such a run can write, and when the last lease ends."""
    rows = db.session.execute(
        select(OutboxJob.locked_until, Booking.id, Booking.google_event_id)
        .join(Booking, Booking.id == OutboxJob.booking_id)
        .where(
            Booking.host_id == user.id,
            Booking.end_at > now,
            OutboxJob.kind == sync_job.SYNC_KIND,
            OutboxJob.status == "pending",
            OutboxJob.locked_until > now,
        )
    ).all()
    ids: list[str] = []
    for _, booking_id, current in rows:
        event_id = current or google_event_id(booking_id)
        for candidate in (event_id, replacement_event_id(booking_id, event_id)):
            if candidate not in ids:
                ids.append(candidate)
    leases = [locked_until for locked_until, _, _ in rows if locked_until is not None]
    return ids, max(leases, default=None)


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
            OutboxJob.kind == sync_job.SYNC_KIND,
            OutboxJob.status == "pending",
            OutboxJob.booking_id.in_(select(Booking.id).where(Booking.host_id == user.id)),
        )
    ).all()
    for job in pending:
        job.status = "parked"
        job.last_error = "Google Calendar was disconnected"
        waiting = db.session.get(Booking, job.booking_id) if job.booking_id else None
        if waiting is not None and waiting.end_at > now and waiting.google_sync == "pending":
            waiting.google_sync = "parked"  # not written yet (maybe in flight): waits too
    return len(bookings)


def _forget_sync(user: User, now: datetime) -> int:
    """Stop the push channels and forget the sync token (two-way sync)."""
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
    invalidate_busy_cache(user_id)
