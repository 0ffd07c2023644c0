"""Queue one email as an outbox job, in the caller's transaction.

The job's payload says which notice to write and to whom; its Message-ID is fixed here,
so every retry sends the same message and a receiver can tell a repeat. A secret the
mail must carry (a manage token, a verification token) is sealed in the job and
dropped as soon as the mail is sent.
"""

from __future__ import annotations

import urllib.parse
import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import get_locale
from sqlalchemy import update

from kaleno.bookings.outbox import secret_binding
from kaleno.extensions import db
from kaleno.i18n import DEFAULT_LOCALE
from kaleno.models import OutboxJob
from kaleno.vault import current_vault

MAIL_KIND = "mail"


def request_language() -> str:
    """The language of the request being served (``en`` outside a request)."""
    return str(get_locale() or DEFAULT_LOCALE)


def message_id(job_id: uuid.UUID) -> str:
    """The Message-ID of the mail a job sends: one per notice, the same on every retry."""
    domain = urllib.parse.urlsplit(current_app.config["BASE_URL"]).hostname or "kaleno.invalid"
    return f"<{job_id}@{domain}>"


def enqueue_mail(
    payload: dict[str, Any],
    now: datetime,
    *,
    booking_id: uuid.UUID | None = None,
    user_id: uuid.UUID | None = None,
    due: datetime | None = None,
    secret: str | None = None,
) -> OutboxJob:
    """Add a ``mail`` job, due at ``due`` (default now); ``secret`` is sealed, never stored."""
    job_id = uuid.uuid4()
    job = OutboxJob(
        id=job_id,
        kind=MAIL_KIND,
        booking_id=booking_id,
        user_id=user_id,
        payload={**payload, "message_id": message_id(job_id)},
        status="pending",
        attempts=0,
        next_attempt_at=due or now,
    )
    if secret is not None:
        job.secret_sealed = current_vault().seal(secret, secret_binding(job))
    db.session.add(job)
    return job


def drop_pending(
    booking_ids: Collection[uuid.UUID], notices: Collection[str] | None = None
) -> None:
    """Supersede the pending ``notices`` (default: all) of these bookings."""
    if not booking_ids:
        return
    pending = db.session.query(OutboxJob).filter(
        OutboxJob.kind == MAIL_KIND,
        OutboxJob.status == "pending",
        OutboxJob.booking_id.in_(tuple(booking_ids)),
    )
    for job in pending:
        if notices is None or job.payload.get("notice") in notices:
            job.status, job.secret_sealed = "superseded", None
            job.payload = scrubbed(job.payload, "superseded")


def scrubbed(payload: dict[str, Any], outcome: str) -> dict[str, Any]:
    """What a finished mail job keeps: which notice, its Message-ID, how it ended."""
    kept: dict[str, Any] = {
        key: payload[key] for key in ("notice", "to_role", "message_id") if key in payload
    }
    return {**kept, "outcome": outcome}


def hurry_retries(now: datetime) -> None:
    """Make every mail waiting out a retry due now (the mail server answered again)."""
    db.session.execute(
        update(OutboxJob)
        .where(
            OutboxJob.kind == MAIL_KIND,
            OutboxJob.status == "pending",
            OutboxJob.attempts > 0,
            OutboxJob.next_attempt_at > now,
        )
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
