"""``Idempotency-Key`` for booking requests: one execution per key, its answer replayed.

Keys are scoped to the event type and live 24 hours. The first request claims the key
(a row in state ``running``; the unique constraint decides who is first), later ones
with the same key and body wait briefly for it and get the booking back as it is now; a
different body is refused (422); a first request that is still running after the wait
gives 409.

A replay never discloses the one-time manage token nor the customer's details: anyone
who repeats key and body gets them otherwise. The row therefore keeps only the booking's
id once answered. While the first request runs, the token sits on the row sealed by the
vault (bound to the row), so a retry of a request that died after booking can still hand
it to its client; the first answer drops it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from kaleno.bookings.errors import IdempotencyKeyInUse, IdempotencyKeyReused
from kaleno.extensions import db
from kaleno.models import IdempotencyKey
from kaleno.sealed import IDEMPOTENCY_TOKEN_FIELD, idempotency_binding
from kaleno.unit_of_work import commit_step
from kaleno.vault import current_vault

KEY_LIFETIME = timedelta(hours=24)
# A key still "running" this long after it was claimed belongs to a request that died.
RUNNING_LEASE = timedelta(minutes=2)
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Claimed:
    """This request owns the key; ``booking_id`` is set when a dead owner had booked."""

    key_id: uuid.UUID
    booking_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Replay:
    """The first request answered ``status`` for ``booking_id``."""

    status: int
    booking_id: uuid.UUID


def request_hash(payload: dict[str, Any]) -> str:
    """A digest of the validated request; same key with another digest is a misuse."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def claim(
    event_type_id: uuid.UUID,
    host_id: uuid.UUID,
    key: str,
    digest: str,
    now: datetime,
    wait_seconds: float,
) -> Claimed | Replay:
    """Own ``key`` for this request, or return the answer of the request that owned it.

    Raises:
        IdempotencyKeyReused: 422, the key came with a different request body.
        IdempotencyKeyInUse: 409, the first request is still running after the wait.
    """
    deadline = time.monotonic() + wait_seconds
    while True:
        claimed = _insert(event_type_id, key, digest, now)
        if claimed is not None:
            return claimed
        row = (
            db.session.query(IdempotencyKey)
            .filter_by(event_type_id=event_type_id, key=key)
            .populate_existing()
            .one_or_none()
        )
        if row is None:  # released or purged meanwhile: try to claim again
            _wait_or_give_up(deadline)
            continue
        if row.expires_at <= now:
            _delete_expired(row.id, now)
            continue
        if row.request_hash != digest:
            db.session.rollback()
            raise IdempotencyKeyReused(
                "This Idempotency-Key was already used with a different request; "
                "use a new key for a new booking."
            )
        if row.state == "done" and row.response_status is not None:
            assert row.booking_id is not None  # only a booking completes a key
            status, booking_id = row.response_status, row.booking_id
            db.session.rollback()
            return Replay(status, booking_id)
        taken = _take_over_if_dead(row, now)
        if taken is not None:
            return taken
        _wait_or_give_up(deadline)


def _wait_or_give_up(deadline: float) -> None:
    db.session.rollback()  # end the read, so the next look sees the owner's commit
    if time.monotonic() >= deadline:
        raise IdempotencyKeyInUse(
            "The first request with this Idempotency-Key is still running; retry shortly."
        )
    time.sleep(POLL_SECONDS)


def _insert(event_type_id: uuid.UUID, key: str, digest: str, now: datetime) -> Claimed | None:
    row = IdempotencyKey(
        id=uuid.uuid4(),
        event_type_id=event_type_id,
        key=key,
        request_hash=digest,
        state="running",
        created_at=now,
        expires_at=now + KEY_LIFETIME,
    )
    db.session.add(row)
    try:
        commit_step("idempotency key")
    except IntegrityError:
        db.session.rollback()
        return None
    return Claimed(row.id)


def _delete_expired(key_id: uuid.UUID, now: datetime) -> None:
    db.session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.id == key_id, IdempotencyKey.expires_at <= now)
    )
    commit_step("idempotency key")


def _take_over_if_dead(row: IdempotencyKey, now: datetime) -> Claimed | None:
    if row.created_at + RUNNING_LEASE > now:
        return None
    taken = db.session.execute(
        update(IdempotencyKey)
        .where(
            IdempotencyKey.id == row.id,
            IdempotencyKey.state == "running",
            IdempotencyKey.created_at == row.created_at,
        )
        .values(created_at=now)
        .execution_options(synchronize_session=False)
    )
    commit_step("idempotency key")
    if getattr(taken, "rowcount", 0) != 1:
        return None
    return Claimed(row.id, row.booking_id)


def seal_token(key_id: uuid.UUID, host_id: uuid.UUID, token: str) -> dict[str, str]:
    """The key row's provisional ``response_body``: only the sealed manage token."""
    sealed = current_vault().seal(token, idempotency_binding(key_id, host_id))
    return {IDEMPOTENCY_TOKEN_FIELD: base64.b64encode(sealed).decode()}


def sealed_token(row: IdempotencyKey, host_id: uuid.UUID) -> str:
    """Open the manage token sealed in ``row``."""
    assert row.response_body is not None
    sealed = base64.b64decode(row.response_body[IDEMPOTENCY_TOKEN_FIELD])
    return current_vault().open(sealed, idempotency_binding(row.id, host_id))


def complete(key_id: uuid.UUID, status: int) -> None:
    """Record that the key was answered (the sealed token is dropped); release waiters.

    Commits.
    """
    row = db.session.get(IdempotencyKey, key_id, populate_existing=True)
    if row is None:  # purged meanwhile: nothing left to replay
        db.session.rollback()
        return
    row.response_status = status
    row.response_body = None
    row.state = "done"
    commit_step("idempotency key")


def release(key_id: uuid.UUID) -> None:
    """Give a key back after a failure before anything was booked (a retry may reuse it)."""
    db.session.rollback()
    db.session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.id == key_id,
            IdempotencyKey.state == "running",
            IdempotencyKey.booking_id.is_(None),
        )
    )
    commit_step("idempotency key")
