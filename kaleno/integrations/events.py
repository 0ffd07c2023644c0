"""Booking events queued for webhooks in the same transaction as the booking change.

``on_booking_change`` listens to ``kaleno.bookings.hooks``: every change announced there
(by the API, the two-way sync or erasure) queues its event for the host's subscribed
endpoints; the listener adds rows and never commits.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import select

from kaleno.bookings.hooks import BookingChange, ChangeKind
from kaleno.bookings.present import booking_body
from kaleno.extensions import db
from kaleno.models import (
    Booking,
    EventType,
    OutboxJob,
    User,
    WebhookDelivery,
    WebhookEndpoint,
)

WEBHOOK_KIND = "webhook.deliver"
BookingEvent = Literal["booking.created", "booking.rescheduled", "booking.cancelled"]
EVENT_OF: dict[ChangeKind, BookingEvent] = {
    "created": "booking.created",
    "rescheduled": "booking.rescheduled",
    "cancelled": "booking.cancelled",
}


def rfc3339(moment: datetime) -> str:
    """``moment`` in UTC as RFC 3339 with a ``Z``."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def enqueue_job(delivery: WebhookDelivery, user_id: uuid.UUID, now: datetime) -> OutboxJob:
    """Queue an outbox job that sends ``delivery`` (in the caller's transaction)."""
    job = OutboxJob(
        id=uuid.uuid4(),
        kind=WEBHOOK_KIND,
        user_id=user_id,
        payload={"delivery_id": str(delivery.id)},
        status="pending",
        attempts=0,
        next_attempt_at=now,
    )
    db.session.add(job)
    delivery.status, delivery.next_attempt_at = "pending", now
    return job


def enqueue_booking_event(booking: Booking, event: BookingEvent, now: datetime) -> int:
    """Queue ``event`` with the booking document for every endpoint of the host that
    subscribes to it, in the caller's transaction; return how many were queued."""
    endpoints = db.session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.user_id == booking.host_id)
    ).all()
    subscribed = [endpoint for endpoint in endpoints if event in endpoint.events]
    if not subscribed:
        return 0
    event_type = db.session.get(EventType, booking.event_type_id)
    assert event_type is not None  # the foreign key cascades
    message = {"type": event, "timestamp": rfc3339(now), "data": booking_body(booking, event_type)}
    for endpoint in subscribed:
        delivery = WebhookDelivery(
            id=uuid.uuid4(),
            endpoint_id=endpoint.id,
            booking_id=booking.id,
            event=event,
            payload=message,
            attempts=0,
            created_at=now,
        )
        db.session.add(delivery)
        enqueue_job(delivery, booking.host_id, now)
    return len(subscribed)


def on_booking_change(change: BookingChange) -> None:
    """Queue the webhook event for ``change`` (a ``kaleno.bookings.hooks`` listener).

    Nothing is queued while the host has restricted processing: like mail, a webhook
    carries the customer's details out of Kaleno.
    """
    host = db.session.get(User, change.booking.host_id)
    if host is None or host.restricted_at is not None:
        return
    enqueue_booking_event(change.booking, EVENT_OF[change.kind], change.now)
