"""Run a ``mail`` outbox job: write the message, hand it to the transport, forget the rest.

SMTP down or busy: the job retries with the outbox's backoff for about a day (the first
retry that gets through makes the other waiting mails due at once); the Message-ID it
was queued with is sent every time, so a receiver that sees a retry of a
message it already took can tell. Once sent, the job drops its sealed token and the
personal details in its payload; only which notice it was and its Message-ID stay.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from kaleno.extensions import db
from kaleno.mail import MailRejected, MailUnavailable, deliver
from kaleno.models import Booking, OutboxJob
from kaleno.notices.compose import compose
from kaleno.notices.facts import BookingFacts
from kaleno.notices.lifecycle import REMINDER
from kaleno.notices.queue import hurry_retries, scrubbed
from kaleno.outbox import Outcome
from kaleno.sealed import job_binding
from kaleno.vault import VaultError, current_vault

log = logging.getLogger(__name__)


def run_mail_job(job: OutboxJob, now: datetime) -> Outcome:
    """Send the job's mail once; the worker records the outcome and commits."""
    skip = _reason_to_skip(job, now)
    if skip is not None:
        _finish(job, skip)
        return Outcome("done")
    if _earlier_notice_waiting(job):
        return Outcome("retry", "An earlier notice of this booking goes first.")
    secret = None
    if job.secret_sealed is not None:
        try:
            secret = current_vault().open(job.secret_sealed, job_binding(job))
        except VaultError:  # its key left the ring before the mail went: it never will open
            return Outcome("failed", "The sealed link cannot be opened with the current keys.")
    message = compose(_with_live_meet_link(job), secret, now)
    try:
        deliver(message)
    except MailUnavailable as error:
        return Outcome("retry", str(error))
    except MailRejected as error:
        log.warning("mail refused", extra={"job_id": str(job.id), "notice": job.payload["notice"]})
        return Outcome("failed", str(error))
    if job.attempts > 0:  # a retry got through: the server is back, the others need not wait
        hurry_retries(now)
    _finish(job, "sent")
    return Outcome("done")


def _finish(job: OutboxJob, outcome: str) -> None:
    job.secret_sealed = None
    job.payload = scrubbed(job.payload, outcome)


def _reason_to_skip(job: OutboxJob, now: datetime) -> str | None:
    """Why a reminder must not go out any more: cancelled, moved, anonymized or past."""
    if job.payload.get("notice") != REMINDER:
        return None
    facts = BookingFacts.from_payload(job.payload["facts"])
    booking = db.session.get(Booking, facts.booking_uuid)
    if booking is None or booking.status != "confirmed" or not booking.customer_email:
        return "skipped: booking cancelled or erased"
    if booking.start_at != facts.start_at:
        return "skipped: booking moved"
    if booking.start_at <= now:
        return "skipped: too late"
    return None


def _earlier_notice_waiting(job: OutboxJob) -> bool:
    """Whether a notice of the same booking to the same reader, queued before this one, is
    still unsent: nobody gets the cancellation before the confirmation (reminders wait
    for their own time and hold nothing up)."""
    if job.booking_id is None or job.payload.get("notice") == REMINDER:
        return False
    earlier = db.session.query(OutboxJob).filter(
        OutboxJob.kind == job.kind,
        OutboxJob.booking_id == job.booking_id,
        OutboxJob.status == "pending",
        OutboxJob.created_at < job.created_at,
    )
    return any(
        other.payload.get("notice") != REMINDER and other.payload.get("to") == job.payload["to"]
        for other in earlier
    )


def _with_live_meet_link(job: OutboxJob) -> dict[str, Any]:
    """The payload, with the Meet link Google has given the booking since it was queued."""
    payload = dict(job.payload)
    if "facts" not in payload or job.booking_id is None:
        return payload
    booking = db.session.get(Booking, job.booking_id)
    if booking is not None and booking.google_meet_link and not payload["facts"]["meet_link"]:
        payload["facts"] = {**payload["facts"], "meet_link": booking.google_meet_link}
    return payload
