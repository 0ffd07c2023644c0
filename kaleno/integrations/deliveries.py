"""The delivery log of an endpoint, and redelivery on request."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from kaleno.errors import Conflict, NotFound
from kaleno.extensions import db
from kaleno.integrations.endpoints import owned_endpoint
from kaleno.integrations.events import enqueue_job
from kaleno.models import User, WebhookAttempt, WebhookDelivery

PAGE_SIZE = 100


def attempts_of(delivery_id: uuid.UUID) -> list[WebhookAttempt]:
    """A delivery's attempts, oldest first."""
    query = (
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery_id)
        .order_by(WebhookAttempt.attempted_at, WebhookAttempt.id)
    )
    return list(db.session.scalars(query))


def recent_deliveries(
    user: User, endpoint_id: uuid.UUID
) -> list[tuple[WebhookDelivery, list[WebhookAttempt]]]:
    """The endpoint's latest deliveries, newest first, each with its attempts in order.

    Raises:
        NotFound: 404 when the host has no such endpoint.
    """
    endpoint = owned_endpoint(user, endpoint_id)
    deliveries = list(
        db.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id)
            .limit(PAGE_SIZE)
        )
    )
    attempts: dict[uuid.UUID, list[WebhookAttempt]] = {d.id: [] for d in deliveries}
    if deliveries:
        rows = db.session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(list(attempts)))
            .order_by(WebhookAttempt.attempted_at, WebhookAttempt.id)
        )
        for row in rows:
            attempts[row.delivery_id].append(row)
    return [(delivery, attempts[delivery.id]) for delivery in deliveries]


def redeliver(
    user: User, endpoint_id: uuid.UUID, delivery_id: uuid.UUID, now: datetime
) -> WebhookDelivery:
    """Send a delivery again under the same ``webhook-id`` (the caller commits).

    Raises:
        NotFound: 404 when the host has no such endpoint or delivery.
        Conflict: 409 while the delivery is still queued or being retried.
    """
    endpoint = owned_endpoint(user, endpoint_id)
    delivery = db.session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        raise NotFound("No delivery with this id for this endpoint.")
    if delivery.status == "pending":
        raise Conflict("This delivery is still queued; it is being retried already.")
    enqueue_job(delivery, user.id, now)
    return delivery
