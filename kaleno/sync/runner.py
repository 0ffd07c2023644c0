"""Run the sync's outbox jobs (``calendar.sync``, ``calendar.watch``, ``calendar.unwatch``).

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

log = logging.getLogger(__name__)


def register() -> None:
    """Let every outbox worker run the sync's job kinds (called by ``create_app``)."""
    for kind in jobs.KINDS:
        outbox.register_kind(kind, run)


def run(job: OutboxJob, now: datetime) -> outbox.Outcome:
    """Run one leased sync job; the outbox records the outcome it answers."""
    job_id, kind, user_id = job.id, job.kind, job.user_id
    payload = dict(job.payload or {})
    try:
        outcome = _run(kind, user_id, payload, now)
    except (CalendarNotConnected, CalendarRevoked, ScopeNotGranted, HostRestricted) as error:
        outcome = outbox.Outcome("parked", error.detail)
    except GoogleRejected as error:
        outcome = outbox.Outcome("failed", error.detail)
    except (GoogleUnavailable, KalenoError) as error:
        outcome = outbox.Outcome("retry", error.detail)
    except AccessTokenRejected:
        outcome = outbox.Outcome("retry", "Google rejected a freshly refreshed access token.")
    except Exception as error:  # a bug or an outage must not lose the job: retry later
        log.exception("calendar sync job crashed", extra={"job_id": str(job_id)})
        outcome = outbox.Outcome("retry", f"Unexpected {type(error).__name__} during sync.")
    db.session.rollback()
    if outcome.kind != "done" and kind == jobs.SYNC_KIND and user_id is not None:
        state = db.session.get(CalendarSync, user_id)
        if state is not None:
            state.last_error = (outcome.error or outcome.kind)[:200]
    db.session.get(OutboxJob, job_id, populate_existing=True)  # the caller records on it
    return outcome


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
    db.session.commit()
    return outbox.Outcome("done")


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
