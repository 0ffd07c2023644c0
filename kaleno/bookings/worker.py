"""Run outbox jobs: once inline after a booking change, and in ``flask kaleno worker``."""

from __future__ import annotations

import logging
import signal
import threading
import uuid
from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from flask import current_app

from kaleno.bookings import outbox, sync
from kaleno.bookings.google_event import fingerprint
from kaleno.bookings.tx import begin_write
from kaleno.extensions import db
from kaleno.models import Booking, OutboxJob, utcnow

log = logging.getLogger(__name__)
# A booking that changes while its event is written is synced again, this many times.
MAX_ROUNDS = 3
# A Meet conference Google is still creating is read again this many times (with backoff).
MAX_CONFERENCE_READS = 5
REREAD_KEY, READS_KEY = "conference_pending_for", "conference_reads"
BATCH = 10


def run_job(job_id: uuid.UUID, now: datetime) -> outbox.Outcome | None:
    """Run one leased job by its registered kind; None if not runnable."""
    job = db.session.get(OutboxJob, job_id)
    registered = outbox.kind_of(job.kind) if job is not None else None
    if registered is None:
        db.session.commit()
        return None
    return registered.run(job_id, now)


def run_sync_job(job_id: uuid.UUID, now: datetime) -> outbox.Outcome | None:
    """Bring a booking's Google event in line with its row (the ``booking.sync`` kind)."""
    job = db.session.get(OutboxJob, job_id)
    if job is None or job.status != "pending":
        db.session.commit()
        return None
    booking_id = job.booking_id
    payload = dict(job.payload or {})
    for _ in range(MAX_ROUNDS):
        plan = sync.prepare(booking_id, payload.get(REREAD_KEY)) if booking_id else None
        pushed = sync.push(plan, now) if plan else sync.Pushed(outbox.Outcome("done"))
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
            db.session.commit()
            return None
        if booking is not None and plan is not None and fingerprint(booking) != plan.seen:
            db.session.commit()  # changed while Google answered: bring it in line again
            continue
        outcome = pushed.outcome
        if booking is not None and plan is not None and outcome.kind == "done":
            sync.apply_event(booking, plan, pushed.event)
            outcome = _await_conference(job, plan, pushed, payload)
        outbox.record(job, booking, outcome, now)
        db.session.commit()
        outbox.log_outcome(job, outcome)
        return outcome
    return _give_up_round(job_id, now)


def _await_conference(
    job: OutboxJob, plan: sync.Plan, pushed: sync.Pushed, payload: dict[str, object]
) -> outbox.Outcome:
    """Keep the job to read the event again while its Meet link is pending (bounded)."""
    if plan.cancelled or not sync.conference_pending(pushed.event):
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
        outbox.record(job, None, outcome, now)
    db.session.commit()
    return outcome


def inline_enabled() -> bool:
    """Whether requests try their sync once themselves (``BOOKING_INLINE_SYNC``, default on).

    Off, every Google write is left to ``flask kaleno worker``.
    """
    return bool(current_app.config.get("BOOKING_INLINE_SYNC", True))


def inline_lease() -> timedelta | None:
    """How long a new job stays reserved for the request's own inline attempt."""
    return outbox.INLINE_LEASE if inline_enabled() else None


def run_inline(job_id: uuid.UUID, now: datetime) -> None:
    """Try a just-committed job once from the request; the outbox retries any failure."""
    if not inline_enabled():
        return
    try:
        run_job(job_id, now)
    except Exception:
        db.session.rollback()
        log.exception("inline sync failed; the worker will retry", extra={"job_id": str(job_id)})


def run_worker(
    *,
    once: bool = False,
    max_jobs: int | None = None,
    poll_interval: float = 1.0,
    clock: Callable[[], datetime] = utcnow,
    stop: threading.Event | None = None,
    kinds: Collection[str] | None = None,
) -> int:
    """Drain due jobs until stopped; return how many ran.

    ``kinds`` limits the worker to those job kinds (default: every kind, registered ones
    included), e.g. to give mail its own workers.

    ``once`` stops when nothing is due; ``max_jobs`` stops after that many; ``stop`` is
    set by a signal handler for a graceful exit (claimed jobs not yet run are taken up
    again when their lease ends). A job that crashes the worker's own code is logged and
    retried after its lease, never lost.
    """
    stop = stop or threading.Event()
    ran = 0
    next_tick = clock()
    while not stop.is_set():
        want = BATCH if max_jobs is None else min(BATCH, max_jobs - ran)
        if want <= 0:
            break
        if clock() >= next_tick and (kinds is None or "calendar.sync" in kinds):
            next_tick = clock() + timedelta(seconds=_sync_tick(clock()))
        job_ids = outbox.claim_due(clock(), want, kinds or outbox.registered_kinds())
        for job_id in job_ids:
            if stop.is_set():
                break
            try:
                run_job(job_id, clock())
            except Exception:
                db.session.rollback()
                log.exception(
                    "outbox job crashed; retried after its lease", extra={"job_id": str(job_id)}
                )
            ran += 1
        if not job_ids:
            if once:
                break
            stop.wait(poll_interval)
    db.session.remove()
    return ran


def _sync_tick(now: datetime) -> float:
    """Queue the sync work that is due (kaleno.sync.schedule); return the next interval.

    Off with ``SYNC_ENABLED`` false. A failure is logged and tried again next interval:
    it must not stop the outbox.
    """
    from kaleno.sync import schedule

    if not current_app.config.get("SYNC_ENABLED", True):
        return float(current_app.config.get("SYNC_TICK_S", 5))
    try:
        schedule.tick(now)
    except Exception:
        db.session.rollback()
        log.exception("sync schedule tick failed")
    return float(current_app.config.get("SYNC_TICK_S", 5))


def serve(*, once: bool, max_jobs: int | None, poll_interval: float) -> int:
    """``flask kaleno worker``: run until done (``once``/``max_jobs``) or SIGTERM/SIGINT."""
    stop = threading.Event()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def _stop(signum: int, frame: object) -> None:
        log.info("worker stopping", extra={"signal": signum})
        stop.set()

    for sig in previous:
        signal.signal(sig, _stop)
    try:
        return run_worker(once=once, max_jobs=max_jobs, poll_interval=poll_interval, stop=stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


outbox.register_runner(outbox.SYNC_KIND, run_sync_job, retry=outbox.RetryPolicy())
