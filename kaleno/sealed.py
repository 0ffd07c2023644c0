"""The one registry of every value the vault seals, and the binding each one is sealed under.

Every module that seals a value takes its associated data from here, and key rotation
(``flask kaleno keys rotate``) walks ``SEALED_PLACES``: a sealed column that is not listed
here cannot be rotated, and ``tests/test_sealed_registry.py`` fails for any model column
named ``*_sealed`` that is missing.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from kaleno.extensions import db
from kaleno.models import (
    EventType,
    GoogleConnection,
    IdempotencyKey,
    OAuthAttempt,
    OutboxJob,
    WebhookEndpoint,
)
from kaleno.vault import binding

# Where an idempotency row keeps the manage token while its first request runs.
IDEMPOTENCY_TOKEN_FIELD = "manage_token_sealed"  # noqa: S105 - a field name


def connection_binding(conn: GoogleConnection, column: str) -> bytes:
    """Associated data of a connection's sealed ``refresh_token`` or ``access_token``."""
    return binding("google_connections", column, conn.id, conn.user_id)


def attempt_binding(attempt: OAuthAttempt) -> bytes:
    """Associated data of an attempt's sealed PKCE verifier."""
    return binding("oauth_attempts", "code_verifier", attempt.id, attempt.user_id or "-")


def webhook_binding(endpoint: WebhookEndpoint, column: str) -> bytes:
    """The associated data tying a sealed webhook secret column to its endpoint and host."""
    return binding("webhook_endpoints", f"{column}_sealed", endpoint.id, endpoint.user_id)


def job_binding(job: OutboxJob) -> bytes:
    """Associated data of an outbox job's sealed secret (revoke token, mail link)."""
    return binding("outbox_jobs", "secret", job.id, job.user_id or "-")


def idempotency_binding(key_id: uuid.UUID, host_id: uuid.UUID) -> bytes:
    """Associated data of the manage token sealed on an idempotency row."""
    return binding("idempotency_keys", "response_body", key_id, host_id)


@dataclass(frozen=True)
class SealedPlace:
    """One place holding sealed values: how to find the rows, read, bind and write them."""

    table: str
    column: str
    rows: Callable[[], Iterator[Any]]
    read: Callable[[Any], bytes | None]
    aad: Callable[[Any], bytes]
    write: Callable[[Any, bytes], None]


def _column(model: Any, attr: str, aad: Callable[[Any], bytes]) -> SealedPlace:
    def rows() -> Iterator[Any]:
        yield from db.session.scalars(select(model).where(getattr(model, attr).is_not(None)))

    return SealedPlace(
        table=model.__tablename__,
        column=attr,
        rows=rows,
        read=lambda row: getattr(row, attr),
        aad=aad,
        write=lambda row, value: setattr(row, attr, value),
    )


def _idempotency_rows() -> Iterator[tuple[IdempotencyKey, uuid.UUID]]:
    query = select(IdempotencyKey, EventType.user_id).join(
        EventType, EventType.id == IdempotencyKey.event_type_id
    )
    for row, host_id in db.session.execute(query.where(IdempotencyKey.response_body.is_not(None))):
        if IDEMPOTENCY_TOKEN_FIELD in (row.response_body or {}):
            yield row, host_id


def _idempotency_read(item: tuple[IdempotencyKey, uuid.UUID]) -> bytes | None:
    body = item[0].response_body or {}
    return base64.b64decode(body[IDEMPOTENCY_TOKEN_FIELD])


def _idempotency_write(item: tuple[IdempotencyKey, uuid.UUID], value: bytes) -> None:
    row = item[0]
    row.response_body = {
        **(row.response_body or {}),
        IDEMPOTENCY_TOKEN_FIELD: base64.b64encode(value).decode(),
    }


SEALED_PLACES: tuple[SealedPlace, ...] = (
    _column(
        GoogleConnection,
        "refresh_token_sealed",
        lambda c: connection_binding(c, "refresh_token"),
    ),
    _column(
        GoogleConnection, "access_token_sealed", lambda c: connection_binding(c, "access_token")
    ),
    _column(OAuthAttempt, "code_verifier_sealed", attempt_binding),
    _column(WebhookEndpoint, "secret_sealed", lambda e: webhook_binding(e, "secret")),
    _column(
        WebhookEndpoint, "previous_secret_sealed", lambda e: webhook_binding(e, "previous_secret")
    ),
    _column(OutboxJob, "secret_sealed", job_binding),
    SealedPlace(
        table="idempotency_keys",
        column=f"response_body.{IDEMPOTENCY_TOKEN_FIELD}",
        rows=_idempotency_rows,
        read=_idempotency_read,
        aad=lambda item: idempotency_binding(item[0].id, item[1]),
        write=_idempotency_write,
    ),
)


def registered_columns() -> set[tuple[str, str]]:
    """``(table, column)`` of every sealed place (JSON fields as ``column.field``)."""
    return {(place.table, place.column) for place in SEALED_PLACES}
