"""The transactional outbox: work for Google recorded with the change that needs it.

A job is written in the same transaction as its booking change, so no change is ever
lost; workers claim due jobs (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), run them and
record the outcome with capped, jittered exponential backoff. A job that cannot run
because the host's Google grant is gone or lacks the events scope is *parked*, not
dropped: ``resume_parked`` re-queues it when the host connects the calendar again.

Other modules add their own job kinds with ``register_kind`` (mail registers ``mail``):
the worker claims and runs every registered kind beside the two it owns.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from flask import current_app, has_app_context
from sqlalchemy import or_, select, update

from kaleno.bookings.tx import begin_write, is_postgresql
from kaleno.extensions import db
from kaleno.models import Booking, OutboxJob, utcnow
from kaleno.vault import binding

SYNC_KIND = "booking.sync"
# Defaults of KALENO_OUTBOX_BACKOFF_MIN_S / _MAX_S.
BASE_DELAY = timedelta(seconds=2)
MAX_DELAY = timedelta(minutes=5)
MAX_ATTEMPTS = 8
CLAIM_LEASE = timedelta(minutes=5)
INLINE_LEASE = timedelta(seconds=60)
ERROR_LENGTH = 200

OutcomeKind = Literal["done", "retry", "parked", "failed"]


@dataclass(frozen=True)
class Outcome:
    """How a run of a job ended; ``error`` is short, plain and free of secrets."""

    kind: OutcomeKind
    error: str | None = None


# A registered job's runner: do the work (it may change the job's payload or secret) and
# say how it ended; the worker records the outcome and commits.
JobHandler = Callable[[OutboxJob, datetime], Outcome]
_handlers: dict[str, JobHandler] = {}
_max_attempts: dict[str, int] = {}


def register_kind(kind: str, handler: JobHandler, *, max_attempts: int = MAX_ATTEMPTS) -> None:
    """Let the module that owns ``kind`` have its jobs run by every outbox worker.

    ``max_attempts`` sets how long a job keeps retrying before it is marked failed
    (with the backoff capped at ``MAX_DELAY``, 300 attempts last about a day).
    """
    _handlers[kind] = handler
    _max_attempts[kind] = max_attempts


def handler_for(kind: str) -> JobHandler | None:
    """The runner registered for ``kind``, if any."""
    return _handlers.get(kind)


def max_attempts_for(kind: str) -> int:
    """How many runs a job of ``kind`` gets before it is marked failed."""
    return _max_attempts.get(kind, MAX_ATTEMPTS)


def registered_kinds() -> tuple[str, ...]:
    """Every job kind registered with ``register_kind``."""
    return tuple(_handlers)


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


def secret_binding(job: OutboxJob) -> bytes:
    """Associated data of a job's sealed secret (the same for sealing, opening, rotating)."""
    return binding("outbox_jobs", "secret", job.id, job.user_id or "-")


def claim_due(now: datetime, limit: int, kinds: Collection[str]) -> list[uuid.UUID]:
    """Lease up to ``limit`` due jobs to this worker and commit; return their ids.

    PostgreSQL skips rows another worker is claiming (``FOR UPDATE SKIP LOCKED``), so N
    workers on N machines never take the same job; SQLite serializes the claim instead.
    """
    begin_write()
    query = (
        select(OutboxJob.id)
        .where(
            OutboxJob.status == "pending",
            OutboxJob.kind.in_(tuple(kinds)),
            OutboxJob.next_attempt_at <= now,
            or_(OutboxJob.locked_until.is_(None), OutboxJob.locked_until < now),
        )
        .order_by(OutboxJob.next_attempt_at, OutboxJob.created_at)  # FIFO within one due time
        .limit(limit)
    )
    if is_postgresql():
        query = query.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(query))
    if ids:
        db.session.execute(
            update(OutboxJob)
            .where(OutboxJob.id.in_(ids))
            .values(locked_until=now + CLAIM_LEASE)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    return ids


def backoff_bounds() -> tuple[timedelta, timedelta]:
    """First and longest retry delay (``KALENO_OUTBOX_BACKOFF_MIN_S`` / ``_MAX_S``)."""
    if not has_app_context():
        return BASE_DELAY, MAX_DELAY
    config = current_app.config
    low = timedelta(seconds=float(config.get("OUTBOX_BACKOFF_MIN_S", BASE_DELAY.total_seconds())))
    high = timedelta(seconds=float(config.get("OUTBOX_BACKOFF_MAX_S", MAX_DELAY.total_seconds())))
    return low, max(low, high)


def backoff(attempts: int) -> timedelta:
    """Delay before attempt ``attempts + 1``: the minimum doubling, capped at the maximum,
    50-100 % jitter."""
    low, high = backoff_bounds()
    ceiling: timedelta = min(high, low * 2 ** min(32, max(0, attempts - 1)))
    return ceiling * random.uniform(0.5, 1.0)


def record(
    job: OutboxJob,
    booking: Booking | None,
    outcome: Outcome,
    now: datetime,
    *,
    max_attempts: int | None = MAX_ATTEMPTS,
) -> None:
    """Write a run's outcome on the job and the booking (the caller commits).

    ``max_attempts`` None retries until the job is done (a revoke must not give up).
    """
    job.attempts += 1
    job.locked_until = None
    job.last_error = outcome.error[:ERROR_LENGTH] if outcome.error else None
    kind = outcome.kind
    if kind == "retry" and max_attempts is not None and job.attempts >= max_attempts:
        kind = "failed"
    if kind == "retry":
        job.next_attempt_at = now + backoff(job.attempts)
    else:
        job.status = kind
    if booking is None:
        return
    booking.google_sync = {"done": "synced", "retry": "pending"}.get(kind, kind)
    booking.google_sync_error = job.last_error


def resume_parked(user_id: uuid.UUID, now: datetime | None = None) -> int:
    """Queue again what was parked for the host (the calendar is connected again).

    Every booking that has not ended and whose sync is parked gets a fresh
    ``booking.sync`` job (superseding its parked one); past appointments stay as they
    are, so events the host deleted do not come back and their customers get no update
    mail. Other parked jobs of the host return to pending. Runs in the caller's
    transaction; a job whose grant is still unusable simply parks again.
    Returns how many jobs were queued.
    """
    now = now or utcnow()
    parked = db.session.scalars(
        select(Booking).where(
            Booking.host_id == user_id, Booking.google_sync == "parked", Booking.end_at > now
        )
    ).all()
    for booking in parked:
        enqueue_sync(booking, now)
    others = db.session.execute(
        update(OutboxJob)
        .where(
            OutboxJob.user_id == user_id,
            OutboxJob.status == "parked",
            OutboxJob.booking_id.is_(None),
        )
        .values(status="pending", attempts=0, next_attempt_at=now, locked_until=None)
        .execution_options(synchronize_session=False)
    )
    return len(parked) + int(getattr(others, "rowcount", 0) or 0)
