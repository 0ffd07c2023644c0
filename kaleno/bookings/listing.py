"""The host's bookings: filtered by time range and status, keyset-paginated."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_

from kaleno.bookings.present import booking_body
from kaleno.bookings.schemas import BookingListQuery, bounded_utc
from kaleno.errors import ValidationProblem
from kaleno.extensions import db
from kaleno.models import Booking, EventType, User


def _encode_cursor(booking: Booking) -> str:
    raw = json.dumps([booking.start_at.isoformat(), str(booking.id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        start, booking_id = json.loads(raw)
        return bounded_utc(datetime.fromisoformat(start)), uuid.UUID(booking_id)
    except (binascii.Error, ValueError, TypeError, RecursionError):
        raise ValidationProblem(
            "Invalid query: cursor",
            errors=[{"field": "cursor", "in": "query", "message": "not a cursor from this API"}],
        ) from None


def list_bookings(
    host: User, query: BookingListQuery, *, newest_first: bool = False
) -> dict[str, Any]:
    """One page of the host's bookings overlapping ``[from, to)``, earliest first (the
    console's past bookings: ``newest_first``); ``next_cursor`` continues in that order.

    Raises:
        ValidationProblem: 400 for a cursor this API did not issue.
    """
    stmt = select(Booking).where(Booking.host_id == host.id)
    if query.from_ is not None:
        stmt = stmt.where(Booking.end_at > query.from_)
    if query.to is not None:
        stmt = stmt.where(Booking.start_at < query.to)
    if query.status is not None:
        stmt = stmt.where(Booking.status == query.status)
    key = tuple_(Booking.start_at, Booking.id)  # the order, and the cursor's position in it
    if query.cursor:
        after = _decode_cursor(query.cursor)
        stmt = stmt.where(key < after if newest_first else key > after)
    order = (
        (Booking.start_at.desc(), Booking.id.desc())
        if newest_first
        else (Booking.start_at, Booking.id)
    )
    rows = list(db.session.scalars(stmt.order_by(*order).limit(query.limit + 1)))
    page, more = rows[: query.limit], len(rows) > query.limit
    type_ids = {b.event_type_id for b in page}
    event_types = {
        et.id: et for et in db.session.scalars(select(EventType).where(EventType.id.in_(type_ids)))
    }
    return {
        "items": [booking_body(b, event_types[b.event_type_id]) for b in page],
        "next_cursor": _encode_cursor(page[-1]) if more else None,
    }
