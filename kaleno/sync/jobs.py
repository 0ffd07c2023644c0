"""Outbox jobs of the sync: one host-level job per kind, queued at most once while idle.

``calendar.sync`` reads the host's changes; ``calendar.watch`` opens (or renews) the
push channel; ``calendar.unwatch`` stops a channel that was replaced. A job waiting to
run already covers every change seen before it starts, so a second one is not queued
(duplicate notifications cost nothing); a job that is running does not count, because
it may have listed before the newest change.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from kaleno.extensions import db
from kaleno.models import OutboxJob

SYNC_KIND = "calendar.sync"
WATCH_KIND = "calendar.watch"
UNWATCH_KIND = "calendar.unwatch"
KINDS = (SYNC_KIND, WATCH_KIND, UNWATCH_KIND)


def enqueue(
    kind: str, user_id: uuid.UUID, now: datetime, payload: dict[str, Any] | None = None
) -> bool:
    """Queue ``kind`` for the host in the caller's transaction unless an idle one waits.

    Returns whether a job was added. A waiting job asked for a full sync keeps that ask.
    """
    waiting = db.session.scalars(
        select(OutboxJob)
        .where(
            OutboxJob.user_id == user_id,
            OutboxJob.kind == kind,
            OutboxJob.status == "pending",
            or_(OutboxJob.locked_until.is_(None), OutboxJob.locked_until < now),
        )
        .limit(1)
    ).first()
    wanted = dict(payload or {})
    if waiting is not None and (kind != UNWATCH_KIND or waiting.payload == wanted):
        if waiting.next_attempt_at > now:
            waiting.next_attempt_at = now
        if wanted.get("full") and not (waiting.payload or {}).get("full"):
            waiting.payload = {**(waiting.payload or {}), "full": True}
        return False
    db.session.add(
        OutboxJob(
            id=uuid.uuid4(),
            kind=kind,
            user_id=user_id,
            payload=wanted,
            status="pending",
            attempts=0,
            next_attempt_at=now,
        )
    )
    return True
