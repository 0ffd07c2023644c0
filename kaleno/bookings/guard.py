"""The database's last word on double booking, inside the writing transaction.

PostgreSQL: the exclusion constraint ``ex_bookings_no_overlap`` rejects an overlapping
active booking whatever the race (SQLSTATE 23P01). SQLite: the transaction began with
``BEGIN IMMEDIATE`` (``begin_write``), so the overlap check below and the write that
follows cannot interleave with another writer. The check runs on both, so the common
case gets the same answer without relying on a constraint error.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from kaleno.bookings.errors import SlotUnavailable
from kaleno.extensions import db
from kaleno.models import Booking, EventType
from kaleno.models.booking import MAX_BLOCKED_SPAN
from kaleno.unit_of_work import is_postgresql

EXCLUSION_VIOLATION = "23P01"
TAKEN = "Someone else just booked this time; pick another slot."


@dataclass(frozen=True)
class Placement:
    """Where a booking sits: its own time and the time it blocks (with buffers)."""

    start: datetime
    end: datetime
    blocked_start: datetime
    blocked_end: datetime

    @classmethod
    def of(cls, event_type: EventType, start: datetime) -> Placement:
        end = start + timedelta(minutes=event_type.duration_minutes)
        return cls(
            start=start,
            end=end,
            blocked_start=start - timedelta(minutes=event_type.buffer_before_minutes),
            blocked_end=end + timedelta(minutes=event_type.buffer_after_minutes),
        )


def ensure_free(
    host_id: uuid.UUID,
    host_zone: str,
    event_type_id: uuid.UUID,
    max_per_day: int | None,
    placement: Placement,
    ignore_booking_id: uuid.UUID | None = None,
) -> None:
    """Check, in the writing transaction, that no active booking overlaps and the cap holds.

    Raises:
        SlotUnavailable: 409 when another active booking holds overlapping time, or the
            event type's daily cap is reached on that day.
    """
    if max_per_day is not None and is_postgresql():
        # The cap spans rows the exclusion constraint does not compare: serialize per type.
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
            {"key": f"kaleno-cap:{event_type_id}"},
        )
    overlap = select(Booking.id).where(
        Booking.host_id == host_id,
        Booking.active.is_(True),
        Booking.blocked_start < placement.blocked_end,
        Booking.blocked_end > placement.blocked_start,
        Booking.blocked_start > placement.blocked_start - MAX_BLOCKED_SPAN,
    )
    if ignore_booking_id is not None:
        overlap = overlap.where(Booking.id != ignore_booking_id)
    if db.session.execute(overlap.limit(1)).first() is not None:
        raise SlotUnavailable(TAKEN)
    if max_per_day is not None:
        zone = ZoneInfo(host_zone)
        day = placement.start.astimezone(zone).date()
        day_start = datetime.combine(day, datetime.min.time(), zone)
        day_end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
        same_day = select(func.count(Booking.id)).where(
            Booking.event_type_id == event_type_id,
            Booking.active.is_(True),
            Booking.start_at >= day_start,
            Booking.start_at < day_end,
        )
        if ignore_booking_id is not None:
            same_day = same_day.where(Booking.id != ignore_booking_id)
        if (db.session.scalar(same_day) or 0) >= max_per_day:
            raise SlotUnavailable("This day is fully booked; pick another day.")


def is_overlap_violation(error: IntegrityError) -> bool:
    """Whether PostgreSQL refused the write under the no-overlap exclusion constraint."""
    orig = error.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return code == EXCLUSION_VIOLATION


@contextmanager
def overlap_is_conflict() -> Iterator[None]:
    """Run a booking write; an overlap the constraint found (at flush or commit) is a 409.

    Raises:
        SlotUnavailable: 409 when the exclusion constraint rejected the write.
    """
    try:
        yield
    except IntegrityError as error:
        db.session.rollback()
        if is_overlap_violation(error):
            raise SlotUnavailable(TAKEN) from None
        raise
