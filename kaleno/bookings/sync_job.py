"""The ``booking.sync`` job: a booking's Google event brought in line with its row.

Queued in the transaction of every booking change (``enqueue_sync``), tried once inline
by the request and otherwise by the worker loop; one run reads the booking
(``push.prepare``), asks Google with no transaction open (``push.push``) and writes what
Google answered back only if the booking did not change meanwhile, and only if no
disconnect or erasure won the race (the job is no longer pending then).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from kaleno import outbox
from kaleno.bookings import push
from kaleno.bookings.google_event import event_version
from kaleno.extensions import db
from kaleno.models import Booking, OutboxJob
from kaleno.unit_of_work import begin_write, commit_step

SYNC_KIND = "booking.sync"
# A booking that changes while its event is written is synced again, this many times.
MAX_ROUNDS = 3
# A Meet conference Google is still creating is read again this many times (with backoff).
MAX_CONFERENCE_READS = 5
REREAD_KEY, READS_KEY = "conference_pending_for", "conference_reads"


def enqueue_sync(booking: Booking, now: datetime, *, lease: timedelta | None = None) -> OutboxJob:
    """Queue a ``booking.sync`` job in the caller's transaction; supersede idle older ones.

    ``lease`` keeps workers off the job while the request itself tries it once inline.
    A job some worker is running right now is left alone: it re-reads the booking when it
    finishes and goes round again if the booking changed meanwhile.
    """
    db.session.execute(
        update(OutboxJob)
        .where(
            OutboxJob.booking_id == booking.id,
            OutboxJob.kind == SYNC_KIND,
            OutboxJob.status.in_(("pending", "failed", "parked")),
            or_(OutboxJob.locked_until.is_(None), OutboxJob.locked_until < now),
        )
        .values(status="superseded", locked_until=None)
        .execution_options(synchronize_session=False)
    )
    job = OutboxJob(
        id=uuid.uuid4(),
        kind=SYNC_KIND,
        booking_id=booking.id,
        user_id=booking.host_id,
        payload={},
        status="pending",
        attempts=0,
        next_attempt_at=now,
        locked_until=now + lease if lease else None,
    )
    db.session.add(job)
    booking.google_sync = "pending"
    booking.google_sync_error = None
    return job


def resume_parked_bookings(host_id: uuid.UUID, now: datetime) -> int:
    """The calendar is connected again: every booking of the host that has not ended and
    whose sync is parked gets a fresh job (superseding its parked one). Past appointments
    stay as they are, so events the host deleted do not come back and their customers get
    no update mail. Runs in the caller's transaction; returns how many were queued."""
    parked = db.session.scalars(
        select(Booking).where(
            Booking.host_id == host_id, Booking.google_sync == "parked", Booking.end_at > now
        )
    ).all()
    for booking in parked:
        enqueue_sync(booking, now)
    return len(parked)


def run_sync_job(job_id: uuid.UUID, now: datetime) -> outbox.Outcome | None:
    """Bring a booking's Google event in line with its row (the ``booking.sync`` kind)."""
    job = db.session.get(OutboxJob, job_id)
    if job is None or job.status != "pending":
        db.session.rollback()  # nothing to write: end the read
        return None
    booking_id = job.booking_id
    payload = dict(job.payload or {})
    for _ in range(MAX_ROUNDS):
        plan = push.prepare(booking_id, payload.get(REREAD_KEY)) if booking_id else None
        pushed = push.push(plan, now) if plan else push.Pushed(outbox.Outcome("done"))
        begin_write()
        job = db.session.get(OutboxJob, job_id, with_for_update=True, populate_existing=True)
        booking = (
            db.session.get(Booking, booking_id, with_for_update=True, populate_existing=True)
            if booking_id
            else None
        )
        if job is None or job.status != "pending":
            # Disconnected or erased while Google answered: that side won; nothing of this
            # run is written back (the revoke queued by the disconnect deletes the event).
            db.session.rollback()
            return None
        if booking is not None and plan is not None and event_version(booking) != plan.seen:
            db.session.rollback()  # changed while Google answered: bring it in line again
            continue
        outcome = pushed.outcome
        if booking is not None and plan is not None and outcome.kind == "done":
            push.apply_event(booking, plan, pushed.event)
            outcome = _await_conference(job, plan, pushed, payload)
        _record(job, booking, outcome, now)
        commit_step("job outcome")
        outbox.log_outcome(job, outcome)
        return outcome
    return _give_up_round(job_id, now)


def _await_conference(
    job: OutboxJob, plan: push.Plan, pushed: push.Pushed, payload: dict[str, object]
) -> outbox.Outcome:
    """Keep the job to read the event again while its Meet link is pending (bounded)."""
    if plan.cancelled or not push.conference_pending(pushed.event):
        return pushed.outcome
    reads = int(str(payload.get(READS_KEY, 0)))
    if reads >= MAX_CONFERENCE_READS:
        return outbox.Outcome("done", "Google Meet did not provide a link in time.")
    job.payload = {REREAD_KEY: plan.seen, READS_KEY: reads + 1}
    return outbox.Outcome("retry", "Google Meet is still preparing the link; read again later.")


def _give_up_round(job_id: uuid.UUID, now: datetime) -> outbox.Outcome:
    outcome = outbox.Outcome("retry", "The booking kept changing during sync.")
    begin_write()
    job = db.session.get(OutboxJob, job_id, with_for_update=True, populate_existing=True)
    if job is not None:
        outbox.record(job, outcome, now)
    commit_step("job outcome")
    return outcome


def _record(
    job: OutboxJob, booking: Booking | None, outcome: outbox.Outcome, now: datetime
) -> None:
    """Record the run on the job and show where the booking's event stands."""
    kind = outbox.record(job, outcome, now)
    if booking is not None:
        booking.google_sync = {"done": "synced", "retry": "pending"}.get(kind, kind)
        booking.google_sync_error = job.last_error


outbox.register_runner(
    SYNC_KIND, run_sync_job, retry=outbox.RetryPolicy(), resume=resume_parked_bookings
)
