"""The transactional outbox: work for Google recorded with the change that needs it.

A job is written in the same transaction as its booking change, so no change is ever
lost; workers claim due jobs (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), run them and
record the outcome with capped, jittered exponential backoff. A job that cannot run
because the host's Google grant is gone or lacks the events scope is *parked*, not
dropped: ``resume_parked`` re-queues it when the host connects the calendar again.

This module holds the one registry of job kinds: each kind is registered, with its
handler and its retry policy, by the module that owns it (``register_kind`` for a simple
handler, ``register_runner`` for a kind that runs its own units of work). It knows no
kind itself; the worker loop (``kaleno.worker``) and a request's inline attempt
(``run_inline``) run jobs through it.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from flask import current_app, has_app_context
from sqlalchemy import or_, select, update

from kaleno.extensions import db
from kaleno.models import OutboxJob, utcnow
from kaleno.unit_of_work import begin_write, commit_step, is_postgresql

# Defaults of KALENO_OUTBOX_BACKOFF_MIN_S / _MAX_S.
BASE_DELAY = timedelta(seconds=2)
MAX_DELAY = timedelta(minutes=5)
MAX_ATTEMPTS = 8
CLAIM_LEASE = timedelta(minutes=5)
INLINE_LEASE = timedelta(seconds=60)
ERROR_LENGTH = 200

log = logging.getLogger(__name__)
OutcomeKind = Literal["done", "retry", "parked", "failed"]


@dataclass(frozen=True)
class Outcome:
    """How a run of a job ended; ``error`` is short, plain and free of secrets."""

    kind: OutcomeKind
    error: str | None = None


# A job kind's simple handler: do the work (it may change the job's payload or secret) and
# say how it ended; the outbox records the outcome by the kind's retry policy and commits.
JobHandler = Callable[[OutboxJob, datetime], Outcome]
# A job kind that runs its own units of work (nothing held open while a remote answers):
# it runs the leased job ``job_id`` and records its outcome itself; None if not runnable.
JobRunner = Callable[[uuid.UUID, datetime], "Outcome | None"]
# What a kind does when the host's calendar is connected again, instead of returning its
# parked jobs to pending (e.g. queue fresh work only for what still matters); it runs in
# the caller's transaction and returns how many jobs it queued.
Resumer = Callable[[uuid.UUID, datetime], int]


@dataclass(frozen=True)
class RetryPolicy:
    """How a kind retries: ``max_attempts`` runs (None: until done, e.g. a revoke), and the
    delay after the n-th failure (None: the outbox's capped exponential ``backoff``)."""

    max_attempts: int | None = MAX_ATTEMPTS
    delay: Callable[[int], timedelta | None] | None = None


@dataclass(frozen=True)
class JobKind:
    """One registered kind: who runs it and how it retries."""

    name: str
    run: JobRunner
    retry: RetryPolicy
    resume: Resumer | None = None


# The one registry of job kinds: every kind is registered by the module that owns it
# (booking.sync: kaleno.bookings.push; google.revoke: kaleno.grant.revoke;
# mail: kaleno.notices; webhook.deliver: kaleno.integrations.delivery; calendar.*:
# kaleno.sync.runner).
_KINDS: dict[str, JobKind] = {}


def register_kind(
    kind: str,
    handler: JobHandler,
    *,
    max_attempts: int | None = MAX_ATTEMPTS,
) -> None:
    """Register ``kind`` with a simple handler; the outbox records its outcome and commits.

    ``max_attempts`` sets how long a job keeps retrying before it is marked failed
    (with the backoff capped at ``MAX_DELAY``, 300 attempts last about a day; None never
    gives up).
    """
    retry = RetryPolicy(max_attempts=max_attempts)
    _KINDS[kind] = JobKind(kind, _simple_runner(handler, retry), retry)


def register_runner(
    kind: str, runner: JobRunner, *, retry: RetryPolicy, resume: Resumer | None = None
) -> None:
    """Register ``kind`` with a runner that owns its units of work (sync, webhooks);
    ``resume`` replaces the default of ``resume_parked`` for its parked jobs."""
    _KINDS[kind] = JobKind(kind, runner, retry, resume)


def kind_of(name: str) -> JobKind | None:
    """The registration of job kind ``name``, if any."""
    return _KINDS.get(name)


def max_attempts_for(kind: str) -> int | None:
    """How many runs a job of ``kind`` gets before it is marked failed (None: no limit)."""
    registered = _KINDS.get(kind)
    return registered.retry.max_attempts if registered else MAX_ATTEMPTS


def registered_kinds() -> tuple[str, ...]:
    """Every registered job kind."""
    return tuple(_KINDS)


def _simple_runner(handler: JobHandler, retry: RetryPolicy) -> JobRunner:
    def run(job_id: uuid.UUID, now: datetime) -> Outcome | None:
        job = db.session.get(OutboxJob, job_id)
        if job is None or job.status != "pending":
            db.session.rollback()  # nothing to write: end the read
            return None
        outcome = handler(job, now)
        record(job, outcome, now, max_attempts=retry.max_attempts)
        commit_step("job outcome")  # the worker loop's unit of work for this job
        log_outcome(job, outcome)
        return outcome

    return run


def log_outcome(job: OutboxJob, outcome: Outcome) -> None:
    """Log how a job's run ended (ids and states only)."""
    log.info(
        "outbox job ran",
        extra={
            "job_id": str(job.id),
            "booking_id": str(job.booking_id),
            "outcome": outcome.kind,
            "job_status": job.status,
            "attempts": job.attempts,
        },
    )


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
    commit_step("job lease")
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
    outcome: Outcome,
    now: datetime,
    *,
    max_attempts: int | None = MAX_ATTEMPTS,
) -> OutcomeKind:
    """Write a run's outcome on the job (the caller commits); return how it stands:
    ``retry`` becomes ``failed`` once ``max_attempts`` runs are spent.

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
    return kind


def resume_parked(user_id: uuid.UUID, now: datetime | None = None) -> int:
    """Queue again what was parked for the host (the calendar is connected again).

    A kind registered with ``resume`` decides for its own parked jobs (``booking.sync``
    queues fresh work only for appointments that have not ended); every other parked job
    of the host returns to pending. Runs in the caller's transaction; a job whose grant is
    still unusable simply parks again. Returns how many jobs were queued.
    """
    now = now or utcnow()
    queued = 0
    own_rules = [kind for kind in _KINDS.values() if kind.resume is not None]
    for kind in own_rules:
        assert kind.resume is not None
        queued += kind.resume(user_id, now)
    others = db.session.execute(
        update(OutboxJob)
        .where(
            OutboxJob.user_id == user_id,
            OutboxJob.status == "parked",
            OutboxJob.kind.not_in([kind.name for kind in own_rules]),
        )
        .values(status="pending", attempts=0, next_attempt_at=now, locked_until=None)
        .execution_options(synchronize_session=False)
    )
    return queued + int(getattr(others, "rowcount", 0) or 0)


def inline_enabled() -> bool:
    """Whether requests try their new job once themselves (``BOOKING_INLINE_SYNC``,
    default on). Off, every job is left to ``flask kaleno worker``."""
    return bool(current_app.config.get("BOOKING_INLINE_SYNC", True))


def inline_lease() -> timedelta | None:
    """How long a new job stays reserved for the request's own inline attempt."""
    return INLINE_LEASE if inline_enabled() else None


def run_job(job_id: uuid.UUID, now: datetime) -> Outcome | None:
    """Run one leased job by its registered kind; None if not runnable."""
    job = db.session.get(OutboxJob, job_id)
    registered = kind_of(job.kind) if job is not None else None
    if registered is None:
        db.session.rollback()  # nothing was written: end the read
        return None
    return registered.run(job_id, now)


def run_inline(job_id: uuid.UUID, now: datetime) -> None:
    """Try a just-committed job once from the request; the outbox retries any failure."""
    if not inline_enabled():
        return
    try:
        run_job(job_id, now)
    except Exception:
        db.session.rollback()
        log.exception("inline job failed; the worker will retry", extra={"job_id": str(job_id)})
