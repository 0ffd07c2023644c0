"""The sync's clock, run by every outbox worker: what is due for which host.

For each connected host (events scope granted, processing not restricted): with push,
a channel is opened when none is live or the live one expires within
``SYNC_RENEW_BEFORE_S``; without a live channel, an incremental sync every
``SYNC_POLL_S``; in every mode, an incremental sync every ``SYNC_RECONCILE_S`` (lost
notifications are caught by it). Due rows are claimed like outbox jobs (``FOR UPDATE
SKIP LOCKED`` on PostgreSQL), so N workers queue each job once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select

from kaleno.extensions import db
from kaleno.models import CalendarSync, GoogleConnection, User
from kaleno.models.google_connection import EVENTS_SCOPE
from kaleno.sync import channels, engine, jobs
from kaleno.unit_of_work import begin_write, is_postgresql

BATCH = 100


def _seconds(name: str, default: float) -> timedelta:
    return timedelta(seconds=float(current_app.config.get(name, default)))


def tick(now: datetime) -> int:
    """Queue what is due now, in a writing transaction the caller's unit commits (the
    worker loop's); return how many jobs were queued."""
    begin_write()
    queued = 0
    connected = select(GoogleConnection.user_id).where(
        GoogleConnection.status == "connected",
        GoogleConnection.granted_scopes.contains(EVENTS_SCOPE),
    )
    unrestricted = select(User.id).where(User.restricted_at.is_(None))
    fresh = db.session.scalars(
        connected.where(
            GoogleConnection.user_id.not_in(select(CalendarSync.user_id)),
            GoogleConnection.user_id.in_(unrestricted),
        ).limit(BATCH)
    ).all()
    for user_id in fresh:
        engine.state_of(user_id, now)  # due at once: the first (full) sync
    db.session.flush()
    query = (
        select(CalendarSync)
        .where(
            CalendarSync.user_id.in_(connected),
            CalendarSync.user_id.in_(unrestricted),
            or_(CalendarSync.next_poll_at <= now, CalendarSync.next_reconcile_at <= now),
        )
        .limit(BATCH)
    )
    if is_postgresql():
        query = query.with_for_update(skip_locked=True)
    push = channels.push_enabled()
    for row in db.session.scalars(query):
        if row.next_reconcile_at is not None and row.next_reconcile_at <= now:
            row.next_reconcile_at = now + _seconds("SYNC_RECONCILE_S", 900)
            queued += jobs.enqueue(jobs.SYNC_KIND, row.user_id, now)
        if row.next_poll_at is not None and row.next_poll_at <= now:
            row.next_poll_at = now + _seconds("SYNC_POLL_S", 60)
            if push and channels.needs_channel(row.user_id, now):
                queued += jobs.enqueue(jobs.WATCH_KIND, row.user_id, now)
            if row.sync_token is None or channels.live_channel(row.user_id, now) is None:
                queued += jobs.enqueue(jobs.SYNC_KIND, row.user_id, now)
    return queued
