"""Send queued webhook deliveries: the ``webhook.deliver`` kind of the outbox.

No transaction is held while the receiver answers. Each attempt is logged with its
status code and time; a delivery that is not answered 2xx is retried on its own
schedule (about 27.5 hours in all, so at least 24 h), then marked failed. The URL is
checked again before every attempt, after DNS, and the POST goes to the checked address.
"""

from __future__ import annotations

import json
import logging
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from kaleno import outbox
from kaleno.extensions import db
from kaleno.integrations.endpoints import allow_local_http, signing_secrets
from kaleno.integrations.events import WEBHOOK_KIND
from kaleno.integrations.signing import message_id, signed_headers
from kaleno.integrations.ssrf import UnsafeTarget, check_url
from kaleno.integrations.transport import Answer, post
from kaleno.models import OutboxJob, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from kaleno.unit_of_work import begin_write, commit_step

# Delay after each failed attempt (Standard Webhooks' suggested schedule): 8 attempts over
# 27 h 35 min; with the 90-100 % jitter still more than 24 h before a delivery fails.
log = logging.getLogger(__name__)
RETRY_SCHEDULE = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
DEFAULT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class _Message:
    delivery_id: uuid.UUID
    url: str
    body: str
    secrets: list[str]


def retry_schedule() -> tuple[timedelta, ...]:
    """The app's schedule (``WEBHOOK_RETRY_SCHEDULE_S``), else the default one."""
    configured = current_app.config.get("WEBHOOK_RETRY_SCHEDULE_S") or ()
    return tuple(timedelta(seconds=s) for s in configured) or RETRY_SCHEDULE


def retry_delay(failed_attempts: int) -> timedelta | None:
    """The wait after the ``failed_attempts``-th failure; None when the schedule is spent."""
    schedule = retry_schedule()
    if failed_attempts > len(schedule):
        return None
    return schedule[failed_attempts - 1] * random.uniform(0.9, 1.0)


def _prepare(job_id: uuid.UUID, now: datetime) -> _Message | None:
    job = db.session.get(OutboxJob, job_id)
    if job is None or job.status != "pending":
        return None
    delivery = db.session.get(WebhookDelivery, uuid.UUID(str(job.payload.get("delivery_id"))))
    endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id) if delivery else None
    if delivery is None or endpoint is None:
        return None
    body = json.dumps(delivery.payload, separators=(",", ":"))
    return _Message(delivery.id, endpoint.url, body, signing_secrets(endpoint, now))


def send(message: _Message, now: datetime) -> Answer:
    """Check the URL again (after DNS) and POST the signed message to the checked address."""
    try:
        target = check_url(message.url, allow_local_http=allow_local_http())
    except UnsafeTarget as refused:
        return Answer(None, f"refused: {refused.detail}"[:200], 0)
    webhook_id = message_id(message.delivery_id)
    headers = signed_headers(message.secrets, webhook_id, now, message.body)
    timeout = float(current_app.config.get("WEBHOOK_TIMEOUT_S", DEFAULT_TIMEOUT_S))
    return post(target, message.body.encode(), headers, timeout)


def run_delivery_job(job_id: uuid.UUID, now: datetime) -> outbox.Outcome | None:
    """Run one leased ``webhook.deliver`` job and record the attempt; None if not runnable."""
    message = _prepare(job_id, now)
    db.session.rollback()  # _prepare only read: end it, no transaction while the receiver answers
    answer = send(message, now) if message is not None else None
    begin_write()
    job = db.session.get(OutboxJob, job_id, with_for_update=True, populate_existing=True)
    if job is None or job.status != "pending":
        db.session.rollback()  # deleted or done meanwhile: nothing to write, end the lock
        return None
    delivery = (
        db.session.get(
            WebhookDelivery, message.delivery_id, with_for_update=True, populate_existing=True
        )
        if message is not None
        else None
    )
    if delivery is None or answer is None:  # endpoint deleted: nothing left to send
        outcome = outbox.Outcome("done")
        job.status, job.locked_until = "done", None
    else:
        outcome = _record(job, delivery, answer, now)
    commit_step("job outcome")
    # Ids and codes only: a receiver's URL may carry its own token.
    log.info(
        "webhook attempt",
        extra={
            "job_id": str(job_id),
            "delivery_id": str(message.delivery_id) if message else None,
            "status_code": answer.status_code if answer else None,
            "outcome": outcome.kind,
        },
    )
    return outcome


def _record(
    job: OutboxJob, delivery: WebhookDelivery, answer: Answer, now: datetime
) -> outbox.Outcome:
    db.session.add(
        WebhookAttempt(
            id=uuid.uuid4(),
            delivery_id=delivery.id,
            attempted_at=now,
            status_code=answer.status_code,
            duration_ms=answer.duration_ms,
            error=answer.error,
        )
    )
    delivery.attempts += 1
    job.attempts += 1
    job.locked_until = None
    job.last_error = answer.error
    if answer.error is None:
        job.status = "done"
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
        return outbox.Outcome("done")
    delay = retry_delay(job.attempts)
    if delay is None:
        job.status = delivery.status = "failed"
        delivery.next_attempt_at = None
        return outbox.Outcome("failed", answer.error)
    job.next_attempt_at = delivery.next_attempt_at = now + delay
    return outbox.Outcome("retry", answer.error)


outbox.register_runner(
    WEBHOOK_KIND,
    run_delivery_job,
    retry=outbox.RetryPolicy(max_attempts=None, delay=retry_delay),  # until the schedule is spent
)
