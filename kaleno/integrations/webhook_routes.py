"""``/api/webhooks``: the host's endpoints, their delivery log, redelivery, secret rotation."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response

from kaleno.api.spec import operation
from kaleno.auth.sessions import require_user
from kaleno.clock import current_time
from kaleno.integrations.deliveries import attempts_of, recent_deliveries, redeliver
from kaleno.integrations.endpoints import (
    create_endpoint,
    delete_endpoint,
    list_endpoints,
    rotate_secret,
)
from kaleno.integrations.schemas import (
    AttemptOut,
    DeliveryList,
    DeliveryOut,
    SecretRotated,
    WebhookCreated,
    WebhookIn,
    WebhookList,
    WebhookOut,
)
from kaleno.integrations.signing import message_id
from kaleno.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from kaleno.unit_of_work import begin_write

bp = Blueprint("webhooks", __name__, url_prefix="/api/webhooks")
TAGS = ("webhooks",)


def _endpoint_out(endpoint: WebhookEndpoint) -> WebhookOut:
    return WebhookOut(
        id=endpoint.id,
        url=endpoint.url,
        events=list(endpoint.events),
        created_at=endpoint.created_at,
        previous_secret_expires_at=endpoint.previous_secret_expires_at,
    )


def _delivery_out(row: WebhookDelivery, attempts: list[WebhookAttempt]) -> DeliveryOut:
    return DeliveryOut(
        id=row.id,
        webhook_id=message_id(row.id),
        event=row.event,
        status=row.status,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
        next_attempt_at=row.next_attempt_at,
        attempts=[
            AttemptOut(
                attempted_at=a.attempted_at,
                status_code=a.status_code,
                duration_ms=a.duration_ms,
                error=a.error,
            )
            for a in attempts
        ],
    )


@bp.get("")
@operation(
    "The host's webhook endpoints (secrets are never shown again).",
    tags=TAGS,
    auth="session",
    responses={200: WebhookList, 401: None},
)
def get_webhooks() -> dict[str, object]:
    """List the host's endpoints."""
    endpoints = list_endpoints(require_user())
    return WebhookList(webhooks=[_endpoint_out(e) for e in endpoints]).model_dump(mode="json")


@bp.post("")
@operation(
    "Add an endpoint; the answer shows its signing secret, once.",
    tags=TAGS,
    auth="session",
    body=WebhookIn,
    responses={201: WebhookCreated, 400: None, 401: None, 403: None, 409: None},
)
def post_webhook(body: WebhookIn) -> tuple[dict[str, object], int]:
    """Create an endpoint and show its secret."""
    endpoint, secret = create_endpoint(require_user(), body.url, body.events, current_time())
    shown = WebhookCreated(**_endpoint_out(endpoint).model_dump(), secret=secret)
    return shown.model_dump(mode="json"), 201


@bp.delete("/<uuid:endpoint_id>")
@operation(
    "Delete an endpoint with its delivery log; nothing more is sent to it.",
    tags=TAGS,
    auth="session",
    responses={204: None, 401: None, 403: None, 404: None},
)
def delete_webhook(endpoint_id: uuid.UUID) -> Response:
    """Delete an endpoint."""
    delete_endpoint(require_user(), endpoint_id)
    return Response(status=204)


@bp.post("/<uuid:endpoint_id>/secret")
@operation(
    "Rotate the signing secret; the old one also signs for 24 hours.",
    tags=TAGS,
    auth="session",
    responses={200: SecretRotated, 401: None, 403: None, 404: None},
)
def post_webhook_secret(endpoint_id: uuid.UUID) -> dict[str, object]:
    """Give the endpoint a new secret and show it."""
    user = require_user()
    begin_write()
    endpoint, secret = rotate_secret(user, endpoint_id, current_time())
    expires = endpoint.previous_secret_expires_at
    assert expires is not None
    return SecretRotated(
        id=endpoint_id, secret=secret, previous_secret_expires_at=expires
    ).model_dump(mode="json")


@bp.get("/<uuid:endpoint_id>/deliveries")
@operation(
    "The endpoint's latest 100 deliveries, newest first, each with its attempts.",
    tags=TAGS,
    auth="session",
    responses={200: DeliveryList, 401: None, 404: None},
)
def get_deliveries(endpoint_id: uuid.UUID) -> dict[str, object]:
    """Show the delivery log."""
    rows = recent_deliveries(require_user(), endpoint_id)
    return DeliveryList(deliveries=[_delivery_out(d, a) for d, a in rows]).model_dump(mode="json")


@bp.post("/<uuid:endpoint_id>/deliveries/<uuid:delivery_id>/redeliver")
@operation(
    "Send a delivered or failed delivery again, under the same webhook-id.",
    tags=TAGS,
    auth="session",
    responses={202: DeliveryOut, 401: None, 403: None, 404: None, 409: None},
)
def post_redeliver(endpoint_id: uuid.UUID, delivery_id: uuid.UUID) -> tuple[dict[str, object], int]:
    """Queue a delivery again."""
    user = require_user()
    begin_write()
    row = redeliver(user, endpoint_id, delivery_id, current_time())
    return _delivery_out(row, attempts_of(row.id)).model_dump(mode="json"), 202
