"""Helpers to deliver what the outbox holds and read what came out."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import Flask
from icalendar import Calendar

from kaleno.extensions import db
from kaleno.mail import sent_mail
from kaleno.models import OutboxJob, utcnow
from kaleno.worker import run_worker


def deliver_queued(app: Flask, now: datetime | None = None) -> int:
    """Run every job due at ``now`` (default: now), retries included; return how many ran.

    Jobs not yet due (reminders) stay where they are: the clock decides, as in production.
    """
    now = now or utcnow()
    with app.app_context():
        for job in db.session.query(OutboxJob).filter(OutboxJob.status == "pending"):
            if job.attempts > 0:  # a retry waiting out its backoff: due now
                job.next_attempt_at = min(job.next_attempt_at, now - timedelta(seconds=1))
            if job.next_attempt_at <= now:
                job.locked_until = None
        db.session.commit()
        return run_worker(once=True, clock=lambda: now)


def mail_jobs(app: Flask) -> list[OutboxJob]:
    """Every ``mail`` job, oldest first, detached."""
    with app.app_context():
        rows = list(
            db.session.query(OutboxJob)
            .filter(OutboxJob.kind == "mail")
            .order_by(OutboxJob.created_at, OutboxJob.next_attempt_at)
        )
        for row in rows:
            db.session.expunge(row)
        return rows


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def html_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("html",))
    assert body is not None
    return str(body.get_content())


def calendar_of(message: EmailMessage) -> Calendar | None:
    """The attached ``.ics``, parsed by icalendar, or None."""
    for part in message.iter_attachments():
        if part.get_content_type() == "text/calendar":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return Calendar.from_ical(payload)
    return None


def token_in(message: EmailMessage) -> str:
    """The verification token of a privacy-request mail."""
    match = re.search(r"/privacy/requests/[0-9a-f-]+/t/([A-Za-z0-9_-]+)", text_of(message))
    assert match, text_of(message)
    return match.group(1)


def memory_mail_to(app: Flask, address: str) -> list[EmailMessage]:
    """Deliver the queued mail (``memory://``) and return what went to ``address``
    (compared case-insensitively: the address validator lower-cases the domain)."""
    deliver_queued(app)
    with app.app_context():
        return [m for m in sent_mail() if str(m["To"]).casefold() == address.casefold()]
