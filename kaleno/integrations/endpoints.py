"""A host's webhook endpoints: create (secret shown once), list, delete, rotate the secret."""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from kaleno.errors import Conflict, NotFound
from kaleno.extensions import db
from kaleno.integrations.ssrf import check_url
from kaleno.models import User, WebhookEndpoint
from kaleno.vault import binding, current_vault

EVENTS = ("booking.created", "booking.rescheduled", "booking.cancelled")
SECRET_PREFIX = "whsec_"  # noqa: S105 - the format marker, not a secret
SECRET_BYTES = 24
# After a rotation the old secret also signs for this long, so receivers can switch over.
PREVIOUS_SECRET_GRACE = timedelta(hours=24)
MAX_ENDPOINTS = 20
SECRET_COLUMNS = ("secret", "previous_secret")


def allow_local_http() -> bool:
    """Whether ``http://127.0.0.1`` receivers are allowed (development and test only)."""
    return current_app.config.get("KALENO_ENV") != "production"


def secret_binding(endpoint: WebhookEndpoint, column: str) -> bytes:
    """The associated data tying a sealed secret column to its endpoint and host."""
    return binding("webhook_endpoints", f"{column}_sealed", endpoint.id, endpoint.user_id)


def new_secret() -> str:
    """A fresh Standard Webhooks signing secret (``whsec_`` + base64 of 24 random bytes)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def create_endpoint(
    user: User, url: str, events: Sequence[str], now: datetime
) -> tuple[WebhookEndpoint, str]:
    """Add an endpoint (the caller commits); return it and its signing secret.

    Raises:
        UnsafeTarget: 400 when the URL is not an allowed destination.
        Conflict: 409 when the host already has the maximum number of endpoints.
    """
    check_url(url, allow_local_http=allow_local_http())
    count = db.session.scalar(
        select(func.count(WebhookEndpoint.id)).where(WebhookEndpoint.user_id == user.id)
    )
    if (count or 0) >= MAX_ENDPOINTS:
        raise Conflict(f"A host can have at most {MAX_ENDPOINTS} webhook endpoints.")
    endpoint = WebhookEndpoint(
        id=uuid.uuid4(),
        user_id=user.id,
        url=url,
        events=[event for event in EVENTS if event in set(events)],
        created_at=now,
        updated_at=now,
    )
    secret = new_secret()
    endpoint.secret_sealed = current_vault().seal(secret, secret_binding(endpoint, "secret"))
    db.session.add(endpoint)
    return endpoint, secret


def list_endpoints(user: User) -> list[WebhookEndpoint]:
    """The host's endpoints, oldest first."""
    query = (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.user_id == user.id)
        .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    )
    return list(db.session.scalars(query))


def owned_endpoint(user: User, endpoint_id: uuid.UUID) -> WebhookEndpoint:
    """One of the host's endpoints.

    Raises:
        NotFound: 404 when the host has no such endpoint.
    """
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.user_id != user.id:
        raise NotFound("No webhook endpoint with this id.")
    return endpoint


def delete_endpoint(user: User, endpoint_id: uuid.UUID) -> None:
    """Delete the endpoint with its deliveries; queued attempts find nothing to send.

    Raises:
        NotFound: 404 when the host has no such endpoint.
    """
    db.session.delete(owned_endpoint(user, endpoint_id))


def rotate_secret(user: User, endpoint_id: uuid.UUID, now: datetime) -> tuple[WebhookEndpoint, str]:
    """Give the endpoint a new secret; the old one keeps signing too until the grace ends.

    Raises:
        NotFound: 404 when the host has no such endpoint.
    """
    endpoint = owned_endpoint(user, endpoint_id)
    vault = current_vault()
    old = vault.open(endpoint.secret_sealed, secret_binding(endpoint, "secret"))
    secret = new_secret()
    endpoint.previous_secret_sealed = vault.seal(old, secret_binding(endpoint, "previous_secret"))
    endpoint.previous_secret_expires_at = now + PREVIOUS_SECRET_GRACE
    endpoint.secret_sealed = vault.seal(secret, secret_binding(endpoint, "secret"))
    endpoint.updated_at = now
    return endpoint, secret


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The secrets that sign a message now: the current one, and the previous in its grace."""
    vault = current_vault()
    found = [vault.open(endpoint.secret_sealed, secret_binding(endpoint, "secret"))]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_sealed is not None and expires is not None and now < expires:
        aad = secret_binding(endpoint, "previous_secret")
        found.append(vault.open(endpoint.previous_secret_sealed, aad))
    return found
