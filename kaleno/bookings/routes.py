"""Booking routes: book on a public page; list, show, reschedule and cancel."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, request

from kaleno.api.spec import operation
from kaleno.auth.sessions import require_user
from kaleno.bookings import changes, service
from kaleno.bookings.access import booking_access
from kaleno.bookings.listing import list_bookings
from kaleno.bookings.present import booking_body
from kaleno.bookings.schemas import (
    BookingListQuery,
    BookingOut,
    BookingPage,
    BookingRequest,
    CancelRequest,
    CreatedBooking,
    RescheduleRequest,
)
from kaleno.clock import current_time
from kaleno.errors import ValidationProblem
from kaleno.extensions import db
from kaleno.models import EventType

bp = Blueprint("bookings", __name__, url_prefix="/api")
TAGS = ("bookings",)
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def idempotency_key() -> str:
    """The request's ``Idempotency-Key``: 1-255 visible ASCII characters.

    Raises:
        ValidationProblem: 400 when it is missing or malformed (never echoed back).
    """
    key = request.headers.get(IDEMPOTENCY_HEADER, "")
    if 0 < len(key) <= MAX_KEY_LENGTH and all(" " <= ch <= "~" for ch in key):
        return key
    raise ValidationProblem(
        f"Send an {IDEMPOTENCY_HEADER} header of 1-{MAX_KEY_LENGTH} visible ASCII characters.",
        errors=[
            {
                "field": IDEMPOTENCY_HEADER,
                "in": "header",
                "message": f"required, 1-{MAX_KEY_LENGTH} visible ASCII characters",
            }
        ],
    )


@bp.post("/pages/<host_slug>/<event_slug>/bookings")
@operation(
    "Book an offered slot; returns the booking and a one-time manage token.",
    tags=TAGS,
    body=BookingRequest,
    responses={
        201: CreatedBooking,
        400: None,
        404: None,
        409: None,
        422: None,
        429: None,
        503: None,
    },
    headers={
        IDEMPOTENCY_HEADER: "Required, 1-255 characters; a retry with the same key and "
        "body answers 201 with the same booking for 24 hours, without the manage token "
        "and the customer's details (header Idempotent-Replayed: true)."
    },
)
def create_booking(
    host_slug: str, event_slug: str, body: BookingRequest
) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Book ``body.start`` for the customer."""
    answer = service.book(host_slug, event_slug, idempotency_key(), body, current_time())
    headers = {"Cache-Control": "no-store"}
    if answer.replayed:
        headers["Idempotent-Replayed"] = "true"
    return answer.body, answer.status, headers


@bp.get("/bookings")
@operation(
    "The host's bookings, filtered by time range and status, earliest first.",
    tags=TAGS,
    query=BookingListQuery,
    auth="session",
    responses={200: BookingPage, 400: None, 401: None},
)
def get_bookings(query: BookingListQuery) -> dict[str, object]:
    """List the signed-in host's bookings."""
    return list_bookings(require_user(), query)


@bp.get("/bookings/<uuid:booking_id>")
@operation(
    "One booking, for its host or its customer (manage token).",
    tags=TAGS,
    auth="session-or-manage-token",
    responses={200: BookingOut, 401: None, 404: None},
)
def get_booking(booking_id: uuid.UUID) -> dict[str, object]:
    """Show one booking."""
    booking = booking_access(booking_id).booking
    event_type = db.session.get(EventType, booking.event_type_id)
    assert event_type is not None
    return booking_body(booking, event_type)


@bp.patch("/bookings/<uuid:booking_id>")
@operation(
    "Reschedule a booking to another offered start; the Google event follows.",
    tags=TAGS,
    body=RescheduleRequest,
    auth="session-or-manage-token",
    responses={200: BookingOut, 400: None, 401: None, 403: None, 404: None, 409: None, 503: None},
)
def reschedule_booking(booking_id: uuid.UUID, body: RescheduleRequest) -> dict[str, object]:
    """Move a booking."""
    return changes.reschedule(booking_access(booking_id), body.start, current_time())


@bp.post("/bookings/<uuid:booking_id>/cancel")
@operation(
    "Cancel a booking: the slot is free at once, the Google event is deleted.",
    tags=TAGS,
    body=CancelRequest,
    auth="session-or-manage-token",
    responses={200: BookingOut, 400: None, 401: None, 403: None, 404: None, 409: None},
)
def cancel_booking(booking_id: uuid.UUID, body: CancelRequest) -> dict[str, object]:
    """Cancel a booking."""
    return changes.cancel(booking_access(booking_id), body.reason, current_time())
