"""Read a host's changes from Google and apply them: incremental, or a full window.

Incremental: ``events.list`` with the stored ``syncToken`` (every page). A 410 means
Google forgot the token: a full sync of the window that matters follows — from a day ago
to the furthest horizon of the host's event types — with deleted events included, and
every future booking whose event the window did not show is read on its own (it may
have been moved out of the window). Google is asked outside any writing transaction;
the effects and the new token are then written in one, which the job's unit commits.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from kaleno.extensions import db
from kaleno.grant import busy_cache, calls
from kaleno.grant.errors import SyncTokenExpired
from kaleno.grant.tokens import connection_of, usable_for
from kaleno.models import Booking, CalendarSync, EventType, User
from kaleno.models.google_connection import EVENTS_SCOPE
from kaleno.scheduling.public_slots import hold_host
from kaleno.sync import effects
from kaleno.unit_of_work import after_commit, begin_write, commit_step

log = logging.getLogger(__name__)
PAST = timedelta(days=1)
MIN_HORIZON_DAYS = 60


def state_of(user_id: uuid.UUID, now: datetime) -> CalendarSync:
    """The host's sync row, created (due for a full sync now) if missing."""
    row = db.session.get(CalendarSync, user_id)
    if row is None:
        reconcile = float(current_app.config.get("SYNC_RECONCILE_S", 900))
        row = CalendarSync(
            user_id=user_id,
            next_poll_at=now,
            next_reconcile_at=now + timedelta(seconds=reconcile),
        )
        db.session.add(row)
    return row


def _window(host_id: uuid.UUID, now: datetime) -> tuple[datetime, datetime]:
    horizon = db.session.scalar(
        select(func.max(EventType.horizon_days)).where(EventType.user_id == host_id)
    )
    days = max(MIN_HORIZON_DAYS, int(horizon or 0)) + 1
    return now - PAST, now + timedelta(days=days)


def _missing(host: User, seen: set[str], now: datetime) -> list[dict[str, Any]]:
    """Future bookings' events the window did not show, read one by one."""
    ids = db.session.scalars(
        select(Booking.google_event_id).where(
            Booking.host_id == host.id,
            Booking.active.is_(True),
            Booking.end_at > now,
            Booking.google_event_id.is_not(None),
        )
    ).all()
    found = []
    for event_id in ids:
        if event_id and event_id not in seen:
            event = calls.event(host, now, event_id)
            found.append(event if event is not None else {"id": event_id, "status": "cancelled"})
    return found


def sync_host(user_id: uuid.UUID, now: datetime, *, full: bool = False) -> list[str]:
    """Read and apply the host's changes; return the effects applied (e.g. ``moved``).

    Leaves the effects and the new sync token in the caller's writing transaction (the
    job's unit of work commits them with its outcome).

    Raises:
        the token broker's problems (not connected, revoked, restricted) and
        GoogleUnavailable; the outbox job turns them into park or retry.
    """
    host = db.session.get(User, user_id)
    if host is None:
        return []
    token = None if full else state_of(user_id, now).sync_token
    commit_step("before remote call")  # the sync row may be new; keep it, then ask Google
    items: list[dict[str, Any]] = []
    next_token: str | None = None
    if token:
        try:
            items, next_token = calls.changes(host, now, token)
        except SyncTokenExpired:
            log.info("sync token expired; full sync", extra={"user_id": str(user_id)})
            token = None
    if not token:
        time_min, time_max = _window(user_id, now)
        items, next_token = calls.window(host, now, time_min, time_max)
        items += _missing(host, {str(i.get("id")) for i in items}, now)
    begin_write()
    host = hold_host(user_id)  # before any booking: the order every writer takes
    if host is None or not usable_for(connection_of(host), EVENTS_SCOPE):
        # Erased or disconnected while Google answered: that side won; nothing to apply,
        # no sync state to keep (the disconnect deleted it).
        return []
    applied = [e for e in (effects.apply(host, item, now) for item in items) if e]
    row = state_of(user_id, now)
    row.sync_token = next_token or row.sync_token
    row.last_synced_at = now
    row.last_error = None
    if not token:
        row.last_full_sync_at = now
    if items:  # any change: cached busy time and slots are stale once this is committed
        after_commit(lambda: busy_cache.invalidate(user_id))
    return applied
