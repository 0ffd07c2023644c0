"""Disconnect Google and delete Google data: forget everything local, then revoke at Google.

The unit of work only records: it deletes the tokens, channels and Google ids here and
queues one ``google.revoke`` job (stop the channels, delete the events, revoke; the token
sealed in it). Nothing leaves the process before that unit commits; the entry point then
runs the job once inline (``finish``), and the receipt says what it recorded. When Google
cannot be reached, the worker finishes the job.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select

from kaleno import audit
from kaleno.bookings import sync_job
from kaleno.bookings.google_event import google_event_id, replacement_event_id
from kaleno.extensions import db
from kaleno.grant import busy_cache, revoke
from kaleno.grant.tokens import connection_of, usable_for
from kaleno.models import (
    AvailabilityRules,
    Booking,
    CalendarSync,
    GoogleChannel,
    OutboxJob,
    User,
)
from kaleno.models.google_connection import EVENTS_SCOPE
from kaleno.outbox import inline_lease, run_inline
from kaleno.scheduling.public_slots import hold_host
from kaleno.sync.channels import LIVE
from kaleno.unit_of_work import begin_write, commit_step

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Disconnection:
    """What a disconnect did in its unit, and the revoke job it queued for after the commit."""

    at: datetime
    revoke_job: uuid.UUID | None
    not_before: datetime  # the job waits for a sync job in flight (the fence) until then
    revoke_state: str  # without a job: nothing-to-revoke, or already-invalid (no token)
    sealed_tokens: int
    google_event_ids: int
    selected_calendar_ids: int
    not_deletable: int  # future events Kaleno may not delete (no events permission)


def disconnect(
    user: User, now: datetime, *, delete_future_events: bool, for_erasure: bool = False
) -> Disconnection:
    """Delete tokens, channels, cached busy time and Google ids; queue the revoke.

    No Google call is made here: the queued job stops the channels, deletes the future
    events (``delete_future_events``), then revokes, once the caller's unit committed.
    ``for_erasure``: the future bookings are being cancelled, so their events are deleted
    with Google's own notice to the attendees.

    The fence against a sync job a worker is running right now (its Google insert may
    land after a delete): its events are queued with the others, and the job waits until
    that sync job's lease has ended; the sync job, parked here, writes nothing back.
    Runs in the caller's unit of work, in a writing transaction: the host's row is held
    first, the order every writer of a host's bookings takes (it then clears their Google
    ids and its own fields).
    """
    hold_host(user.id)
    conn = connection_of(user)
    channels = _forget_sync(user)
    targets: list[str] = []
    not_deletable = 0
    lease_end: datetime | None = None
    if delete_future_events and conn is not None:
        targets = [b.google_event_id for b in future_bookings(user, now) if b.google_event_id]
        if not for_erasure and not usable_for(conn, EVENTS_SCOPE):
            not_deletable, targets = len(targets), []
        in_flight, lease_end = _in_flight_events(user, now)
        targets += [event_id for event_id in in_flight if event_id not in targets]
    job, state = None, "nothing-to-revoke"
    not_before = lease_end or now
    if conn is not None:
        lease = inline_lease()
        job = revoke.queue_revoke(
            user,
            conn,
            stop_channels=channels,
            delete_event_ids=targets,
            send_updates=_send_updates() if for_erasure else "none",
            not_before=not_before,
            lease_until=now + lease if lease is not None and lease_end is None else None,
        )
        state = "queued" if job is not None else "already-invalid"
        db.session.delete(conn)
    cleared_ids = _forget_google_ids(user, now)
    calendars_cleared = _reset_calendars(user)
    user.hosted_domain = None
    busy_cache.invalidate(user.id)
    audit.record(
        "calendar.disconnect",
        actor="user",
        subject_user_id=user.id,
        revoke=state,
        events_to_delete=len(targets),
        channels_to_stop=len(channels),
    )
    return Disconnection(
        at=now,
        revoke_job=job.id if job is not None else None,
        not_before=not_before,
        revoke_state=state,
        sealed_tokens=2 if conn is not None else 0,
        google_event_ids=cleared_ids,
        selected_calendar_ids=calendars_cleared,
        not_deletable=not_deletable,
    )


def finish(done: Disconnection, now: datetime) -> dict[str, Any]:
    """Commit the disconnect's unit, run its revoke job once, and answer the receipt."""
    commit_step("disconnect")
    run_revoke(done, now)
    return receipt(done)


def run_revoke(done: Disconnection, now: datetime) -> None:
    """Run the committed disconnect's job once inline, unless the fence makes it wait."""
    if done.revoke_job is not None and done.not_before <= now:
        run_inline(done.revoke_job, now)


def receipt(done: Disconnection) -> dict[str, Any]:
    """The disconnect's receipt, from what its revoke job recorded so far."""
    job = None
    if done.revoke_job is not None:  # as its run left it, not as this session last saw it
        job = db.session.get(OutboxJob, done.revoke_job, populate_existing=True)
    if job is not None:
        ran = revoke.progress(job)
    else:
        ran = revoke.RevokeProgress(done.revoke_state, 0, 0, 0, 0)
    return {
        "disconnected_at": done.at,
        "google_revoke": ran.revoke,
        "google_confirmed_revoke": ran.revoke in ("confirmed", "already-invalid"),
        "deleted": {
            "sealed_tokens": done.sealed_tokens,
            "google_event_ids": done.google_event_ids,
            "selected_calendar_ids": done.selected_calendar_ids,
            "free_busy_cache": True,
            "google_profile_fields": ["hosted_domain"],
        },
        "google_events_deleted": ran.events_deleted,
        "google_events_not_deleted": ran.events_not_deleted + done.not_deletable,
        "google_events_deletion_queued": ran.events_waiting,
    }


def disconnect_on_request(
    user: User, now: datetime, *, delete_future_events: bool
) -> dict[str, Any]:
    """``DELETE /api/calendar``: ``disconnect`` in a writing transaction of its own, then
    committed and its revoke run (``finish``)."""
    begin_write()
    done = disconnect(user, now, delete_future_events=delete_future_events)
    return finish(done, now)


def future_bookings(user: User, now: datetime) -> list[Booking]:
    """Active bookings of ``user`` that have not ended yet, earliest first."""
    query = select(Booking).where(
        Booking.host_id == user.id, Booking.active.is_(True), Booking.end_at > now
    )
    return list(db.session.scalars(query.order_by(Booking.start_at)))


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


def _forget_sync(user: User) -> list[tuple[str, str]]:
    """Delete the push channels and the sync token (two-way sync); return the channels
    Google still runs, ``(id, resource id)``, for the revoke job to stop. A notification
    for them is refused from now on: their rows are gone."""
    channels = list(db.session.scalars(select(GoogleChannel).filter_by(user_id=user.id)))
    running = [
        (str(c.id), c.resource_id)
        for c in channels
        if c.resource_id and c.status in (*LIVE, "replaced")
    ]
    for channel in channels:
        db.session.delete(channel)
    state = db.session.get(CalendarSync, user.id)
    if state is not None:
        db.session.delete(state)
    return running


def _reset_calendars(user: User) -> int:
    rules = db.session.scalars(select(AvailabilityRules).filter_by(user_id=user.id)).one_or_none()
    if rules is None:
        return 0
    removed = len([c for c in rules.calendar_ids if c != "primary"])
    rules.calendar_ids = ["primary"]
    return removed
