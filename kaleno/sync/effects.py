"""What one changed Google event does to Kaleno (DESIGN, "Two-way sync with Google").

The booking's event deleted in Google: the booking is cancelled by the host, the
customer told. Moved: the booking follows (also to a time its rules would not offer;
``rules_warning`` says why), the customer told. The customer declined: the booking is
cancelled by the customer, the host told, and the event removed like any cancellation.

Kaleno's events are found by ``extendedProperties.private.kaleno_booking_id`` (deleted
items carry only their id, so also by ``google_event_id``). A change counts only when
Google's ``updated`` is newer than the one Kaleno last wrote or read, so duplicates,
Kaleno's own writes and stale reads change nothing. Runs inside the caller's writing
transaction, which holds the host's row first (``hold_host``); never commits, never calls
Google.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from kaleno.bookings import sync_job
from kaleno.bookings.google_event import PRIVATE_BOOKING_KEY
from kaleno.bookings.guard import Placement
from kaleno.extensions import db
from kaleno.models import AvailabilityRules, Booking, EventType, OutboxJob, User
from kaleno.scheduling.availability_rules import schedule_of
from kaleno.scheduling.offered_slots import slot_rules_of
from kaleno.slots.engine import compute_slots
from kaleno.sync.notify import tell

DELETED_REASON = "The host deleted the event in Google Calendar."
DECLINED_REASON = "The customer declined the invitation in Google Calendar."
NOT_OFFERED = (
    "Moved in Google Calendar to a time the booking page would not offer "
    "(working hours, slot grid, notice, horizon or daily cap)."
)
OVERLAPS = "Moved in Google Calendar onto another booking's time."
LENGTH = "Its length in Google Calendar differs from the event type's."


def _timestamp(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _find(host_id: uuid.UUID, item: dict[str, Any]) -> Booking | None:
    """The item's booking, locked. The caller holds the host's row, which every writer of
    a host's bookings takes first; the only other holder of a booking's row is the
    ``booking.sync`` job writing Google's answer back, which takes no host row and waits
    on nothing, so waiting for it cannot deadlock."""
    private = (item.get("extendedProperties") or {}).get("private") or {}
    try:
        booking_id = uuid.UUID(str(private.get(PRIVATE_BOOKING_KEY)))
    except ValueError:
        booking_id = None
    if booking_id is not None:
        booking = db.session.get(Booking, booking_id, with_for_update=True, populate_existing=True)
        if booking is not None and booking.host_id == host_id:
            return booking
    query = select(Booking).where(
        Booking.host_id == host_id, Booking.google_event_id == str(item.get("id"))
    )
    return db.session.scalars(query.with_for_update()).first()


def apply(host: User, item: dict[str, Any], now: datetime) -> str | None:
    """Apply one item of ``events.list`` for ``host``, whose row the caller holds
    (``hold_host``); return the effect's name or None."""
    booking = _find(host.id, item)
    if booking is None or booking.google_event_id != item.get("id"):
        return None  # not Kaleno's, or an event Kaleno already replaced
    if booking.status == "cancelled":
        return None
    if item.get("status") == "cancelled":
        _cancel(booking, "host", DELETED_REASON, now, event_gone=True)
        tell("cancelled", booking, "host", now)
        return "cancelled"
    updated = _timestamp(item.get("updated"))
    known = _timestamp(booking.google_event_updated) if booking.google_event_updated else None
    if updated is not None and known is not None and updated <= known:
        return None  # a duplicate, Kaleno's own write, or older than what we hold
    if _declined(item, booking):
        _cancel(booking, "customer", DECLINED_REASON, now, event_gone=False)
        tell("cancelled", booking, "customer", now)
        return "declined"
    if booking.google_sync != "synced":
        return None  # Kaleno's own change is on its way to Google and will win
    if item.get("updated"):
        booking.google_event_updated = str(item["updated"])
    start = _timestamp((item.get("start") or {}).get("dateTime"))
    end = _timestamp((item.get("end") or {}).get("dateTime"))
    if start is None or end is None or (start, end) == (booking.start_at, booking.end_at):
        return None
    _move(host, booking, start, end, now)
    tell("rescheduled", booking, "host", now)
    return "moved"


def _declined(item: dict[str, Any], booking: Booking) -> bool:
    email = (booking.customer_email or "").lower()
    return bool(email) and any(
        str(a.get("email", "")).lower() == email and a.get("responseStatus") == "declined"
        for a in item.get("attendees") or []
    )


def _cancel(booking: Booking, actor: str, reason: str, now: datetime, *, event_gone: bool) -> None:
    booking.status, booking.active = "cancelled", False
    booking.cancelled_at, booking.cancelled_by, booking.cancel_reason = now, actor, reason
    if not event_gone:
        sync_job.enqueue_sync(booking, now)  # remove the event, as every cancellation does
        return
    # The event is gone: nothing to push, and a queued write must not bring it back.
    db.session.execute(
        update(OutboxJob)
        .where(
            OutboxJob.booking_id == booking.id,
            OutboxJob.kind == sync_job.SYNC_KIND,
            OutboxJob.status.in_(("pending", "failed", "parked")),
        )
        .values(status="superseded", locked_until=None)
        .execution_options(synchronize_session=False)
    )
    booking.google_sync, booking.google_sync_error = "synced", None


def _move(host: User, booking: Booking, start: datetime, end: datetime, now: datetime) -> None:
    event_type = db.session.get(EventType, booking.event_type_id)
    assert event_type is not None  # the foreign key cascades
    placement = Placement.of(event_type, start)
    blocked_start = placement.blocked_start
    blocked_end = end + timedelta(minutes=event_type.buffer_after_minutes)
    warnings = []
    if end - start != timedelta(minutes=event_type.duration_minutes):
        warnings.append(LENGTH)
    if _held_by_others(booking, blocked_start, blocked_end):
        # The host decided; keep the row valid under the no-overlap constraint by holding
        # no extra time (its Google event still blocks slots through free/busy).
        blocked_start = blocked_end = start
        warnings.append(OVERLAPS)
    elif not _offered(host, event_type, booking, start, now):
        warnings.append(NOT_OFFERED)
    booking.start_at, booking.end_at = start, end
    booking.blocked_start, booking.blocked_end = blocked_start, blocked_end
    booking.rules_warning = " ".join(warnings) or None


def _held_by_others(booking: Booking, lo: datetime, hi: datetime) -> bool:
    query = select(Booking.id).where(
        Booking.host_id == booking.host_id,
        Booking.active.is_(True),
        Booking.id != booking.id,
        Booking.blocked_start < hi,
        Booking.blocked_end > lo,
    )
    return db.session.execute(query.limit(1)).first() is not None


def _offered(
    host: User, event_type: EventType, booking: Booking, start: datetime, now: datetime
) -> bool:
    """Whether the booking page would offer ``start`` (rules and other bookings only)."""
    rules = db.session.scalars(
        select(AvailabilityRules).where(AvailabilityRules.user_id == host.id)
    ).first()
    slot_rules = slot_rules_of(event_type)
    day = timedelta(days=2)
    others = db.session.execute(
        select(Booking.start_at, Booking.event_type_id).where(
            Booking.host_id == host.id,
            Booking.active.is_(True),
            Booking.id != booking.id,
            Booking.start_at > start - day,
            Booking.start_at < start + day,
        )
    ).all()
    booked = [s for s, type_id in others if type_id == event_type.id]
    schedule = schedule_of(host.timezone, rules)
    window_end = start + timedelta(minutes=1)
    slots = compute_slots(schedule, slot_rules, [], now, start, window_end, booked)
    return any(slot.start == start for slot in slots)
