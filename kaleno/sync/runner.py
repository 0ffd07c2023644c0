"""Run the sync's outbox jobs (``calendar.sync``, ``calendar.watch``, ``calendar.unwatch``).

Each kind is registered as a runner that owns its units of work: what a run changed (the
effects read from Google, a channel opened or stopped) is committed with the job's
outcome, in one unit; a run that fails writes nothing but the outcome (and the failed
channel it recorded itself). Google is never asked inside a writing transaction.

Outcomes follow the outbox: Google unreachable or busy → retry with backoff; the grant
gone, the scope missing or processing restricted → parked (resumed on reconnect or
when the restriction is lifted); Google refusing → failed, with a plain reason.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from kaleno import outbox
from kaleno.errors import HostRestricted, KalenoError
from kaleno.extensions import db
from kaleno.grant import calls
from kaleno.grant.errors import (
    AccessTokenRejected,
    CalendarNotConnected,
    CalendarRevoked,
    GoogleRejected,
    GoogleUnavailable,
    ScopeNotGranted,
)
from kaleno.models import CalendarSync, GoogleChannel, OutboxJob, User
from kaleno.sync import channels, engine, jobs
from kaleno.unit_of_work import commit_step

log = logging.getLogger(__name__)


def register() -> None:
    """Let every outbox worker run the sync's job kinds (called by ``create_app``)."""
    for kind in jobs.KINDS:
        outbox.register_runner(kind, run_job, retry=outbox.RetryPolicy())


def run_job(job_id: uuid.UUID, now: datetime) -> outbox.Outcome | None:
    """Run one leased sync job and record its outcome; None if it is no longer runnable."""
    job = db.session.get(OutboxJob, job_id)
    if job is None or job.status != "pending":
        db.session.rollback()  # nothing was written: end the read
        return None
    kind, user_id = job.kind, job.user_id
    payload = dict(job.payload or {})
    outcome = _attempt(job_id, kind, user_id, payload, now)
    if outcome.kind != "done":
        db.session.rollback()  # what the failed run wrote is dropped
        if kind == jobs.SYNC_KIND and user_id is not None:
            state = db.session.get(CalendarSync, user_id)
            if state is not None:
                state.last_error = (outcome.error or outcome.kind)[:200]
    job = db.session.get(OutboxJob, job_id, populate_existing=True)
    if job is None:  # the host was erased meanwhile, its jobs with it
        db.session.rollback()
        return None
    outbox.record(job, outcome, now)
    commit_step("job outcome")
    outbox.log_outcome(job, outcome)
    return outcome


def _attempt(
    job_id: uuid.UUID,
    kind: str,
    user_id: uuid.UUID | None,
    payload: dict[str, object],
    now: datetime,
) -> outbox.Outcome:
    """Run the job's work; turn what went wrong into the outbox's outcome."""
    try:
        outcome = _run(kind, user_id, payload, now)
        db.session.flush()  # a write the database refuses fails this run, not the worker
        return outcome
    except (CalendarNotConnected, CalendarRevoked, ScopeNotGranted, HostRestricted) as error:
        return outbox.Outcome("parked", error.detail)
    except GoogleRejected as error:
        return outbox.Outcome("failed", error.detail)
    except (GoogleUnavailable, KalenoError) as error:
        return outbox.Outcome("retry", error.detail)
    except AccessTokenRejected:
        return outbox.Outcome("retry", "Google rejected a freshly refreshed access token.")
    except Exception as error:  # a bug or an outage must not lose the job: retry later
        log.exception("calendar sync job crashed", extra={"job_id": str(job_id)})
        return outbox.Outcome("retry", f"Unexpected {type(error).__name__} during sync.")


def _run(
    kind: str, user_id: uuid.UUID | None, payload: dict[str, object], now: datetime
) -> outbox.Outcome:
    host = db.session.get(User, user_id) if user_id is not None else None
    if host is None:
        return outbox.Outcome("done", "The host no longer exists.")
    if kind == jobs.SYNC_KIND:
        applied = engine.sync_host(host.id, now, full=bool(payload.get("full")))
        log.info("calendar synced", extra={"user_id": str(host.id), "effects": len(applied)})
        return outbox.Outcome("done")
    if kind == jobs.WATCH_KIND:
        if not channels.push_enabled() or not channels.needs_channel(host.id, now):
            return outbox.Outcome("done")
        channels.open_channel(host, now)
        return outbox.Outcome("done")
    channel_id, resource_id = str(payload.get("channel_id")), str(payload.get("resource_id"))
    calls.stop(host, now, channel_id, resource_id)
    for row in db.session.query(GoogleChannel).filter_by(id=_uuid(channel_id)):
        row.status = "stopped"
    return outbox.Outcome("done")


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
