"""Book a slot: idempotent, never double-booked, the Google event queued in the same commit.

One request: claim the ``Idempotency-Key``; check the start is offered right now (fresh
free/busy and existing bookings); in one writing transaction re-check against active
bookings and insert the booking, its ``booking.sync`` outbox job and the sealed manage
token on the key row (and whatever the change's listeners queue, e.g. the confirmation
mail); commit; try the Google sync once inline; store the final answer on
the key so replays and waiting duplicates get the very same body.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from flask_babel import get_locale

from kaleno.bookings import budget, hooks, idempotency, sync_job
from kaleno.bookings.errors import IdempotencyKeyInUse, SlotUnavailable
from kaleno.bookings.guard import Placement, ensure_free, overlap_is_conflict
from kaleno.bookings.present import booking_body, hash_manage_token
from kaleno.bookings.schemas import BookingRequest
from kaleno.errors import NotFound
from kaleno.extensions import db
from kaleno.grant import busy_cache
from kaleno.i18n import DEFAULT_LOCALE
from kaleno.models import Booking, EventType, IdempotencyKey, User
from kaleno.outbox import inline_lease, run_inline
from kaleno.scheduling.offered_slots import is_offered
from kaleno.scheduling.public_slots import bookable_event_type, lock_bookable, public_host
from kaleno.unit_of_work import begin_write, commit_step

DEFAULT_IDEMPOTENCY_WAIT_S = 10.0
NOT_OFFERED = "This time is not offered (any more); pick one of the listed slots."


@dataclass(frozen=True)
class Answer:
    """What the booking request answers: status, body, and whether it is a replay."""

    status: int
    body: dict[str, Any]
    replayed: bool = False


def book(
    host_slug: str, event_slug: str, key: str, request: BookingRequest, now: datetime
) -> Answer:
    """Create a booking on a public page, once per ``Idempotency-Key``.

    Raises:
        NotFound: 404, no such page or event type.
        SlotUnavailable: 409, the start is not offered or was just taken.
        IdempotencyKeyReused: 422. IdempotencyKeyInUse: 409.
        TooManyBookings: 429, the address or the host used up the day's budget.
        CalendarNotConnected / CalendarRevoked / ScopeNotGranted / GoogleUnavailable /
            CalendarUnreadable: availability cannot be checked right now.
    """
    host = public_host(host_slug)
    event_type = bookable_event_type(host, event_slug)
    host_id, event_type_id = host.id, event_type.id
    digest = idempotency.request_hash(request.model_dump(mode="json"))
    wait = float(current_app.config.get("BOOKING_IDEMPOTENCY_WAIT_S", DEFAULT_IDEMPOTENCY_WAIT_S))
    claim = idempotency.claim(event_type_id, host_id, key, digest, now, wait)
    if isinstance(claim, idempotency.Replay):
        return Answer(claim.status, _replay_body(claim.booking_id), replayed=True)
    if claim.booking_id is None:
        try:
            booking_id, job_id, token = _create(host, event_type, claim.key_id, request, now)
        except BaseException:
            idempotency.release(claim.key_id)
            raise
        busy_cache.invalidate(host_id)
        run_inline(job_id, now)
    else:  # the request that booked died before answering: answer for it
        booking_id, token = claim.booking_id, _sealed_token(claim.key_id, host_id)
    booking = db.session.get(Booking, booking_id, populate_existing=True)
    assert booking is not None
    body = {**booking_body(booking, _event_type(booking)), "manage_token": token}
    idempotency.complete(claim.key_id, 201)
    return Answer(201, body)


def _replay_body(booking_id: uuid.UUID) -> dict[str, Any]:
    """The booking as a replay shows it: no manage token, no customer details."""
    booking = db.session.get(Booking, booking_id, populate_existing=True)
    if booking is None:
        raise NotFound("The booking this key made no longer exists.")
    body = booking_body(booking, _event_type(booking))
    body["customer"] = {**body["customer"], "name": None, "email": None, "phone": None}
    body["notes"] = None
    return body


def _create(
    host: User, event_type: EventType, key_id: uuid.UUID, request: BookingRequest, now: datetime
) -> tuple[uuid.UUID, uuid.UUID, str]:
    start = request.start.astimezone(UTC)
    budget.ensure_budget(host.id, str(request.email), now)  # before any Google call
    if not is_offered(host, event_type, start, now):
        raise SlotUnavailable(NOT_OFFERED)
    placement = Placement.of(event_type, start)
    host_id, host_zone = host.id, host.timezone
    event_type_id, max_per_day = event_type.id, event_type.max_per_day
    begin_write()
    lock_bookable(host_id, event_type_id)  # an erasure since the slot check wins cleanly
    ensure_free(host_id, host_zone, event_type_id, max_per_day, placement)
    token = secrets.token_urlsafe(32)
    booking = Booking(
        id=uuid.uuid4(),
        host_id=host_id,
        event_type_id=event_type_id,
        status="confirmed",
        active=True,
        start_at=placement.start,
        end_at=placement.end,
        blocked_start=placement.blocked_start,
        blocked_end=placement.blocked_end,
        customer_name=request.name,
        customer_email=str(request.email),
        customer_phone=request.phone,
        customer_timezone=request.timezone,
        notes=request.notes,
        manage_token_hash=hash_manage_token(token),
        locale=str(get_locale() or DEFAULT_LOCALE),  # the customer's mails speak it
    )
    with overlap_is_conflict():
        db.session.add(booking)
        job = sync_job.enqueue_sync(booking, now, lease=inline_lease())
        key_row = db.session.get(IdempotencyKey, key_id)
        if key_row is None:  # purged meanwhile (it expired): nothing holds this request's key
            raise IdempotencyKeyInUse("This Idempotency-Key expired meanwhile; use a new key.")
        key_row.booking_id = booking.id
        key_row.response_body = idempotency.seal_token(key_id, host_id, token)
        hooks.announce(hooks.BookingChange("created", booking, "customer", now, token))
        booking_id, job_id = booking.id, job.id
        commit_step("booking")
    return booking_id, job_id, token


def _sealed_token(key_id: uuid.UUID, host_id: uuid.UUID) -> str:
    row = db.session.get(IdempotencyKey, key_id, populate_existing=True)
    assert row is not None
    return idempotency.sealed_token(row, host_id)


def _event_type(booking: Booking) -> EventType:
    event_type = db.session.get(EventType, booking.event_type_id)
    assert event_type is not None  # the foreign key cascades
    return event_type
