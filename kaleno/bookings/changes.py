"""Reschedule and cancel a booking, by its host or by its customer.

Each change is one writing transaction that updates the row and queues a
``booking.sync`` job, and tells the change's listeners (notices, webhooks) in the same
transaction; the event follows (patched or deleted) inline or from the outbox.
A customer must respect the event type's cancellation notice; the host may always act.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from kaleno.bookings import hooks, sync_job
from kaleno.bookings.access import Access
from kaleno.bookings.errors import BookingCancelled, SlotUnavailable, TooLate
from kaleno.bookings.guard import Placement, ensure_free, overlap_is_conflict
from kaleno.bookings.present import booking_body
from kaleno.extensions import db
from kaleno.grant import busy_cache
from kaleno.models import Booking, EventType, User
from kaleno.outbox import inline_lease, run_inline
from kaleno.scheduling.offered_slots import is_offered
from kaleno.scheduling.public_slots import hold_host
from kaleno.unit_of_work import begin_write, commit_step

NOT_OFFERED = "The new time is not offered; pick one of the listed slots."


def _event_type(booking: Booking) -> EventType:
    event_type = db.session.get(EventType, booking.event_type_id)
    assert event_type is not None  # the foreign key cascades
    return event_type


def _check_notice(access: Access, event_type: EventType, now: datetime) -> None:
    if access.role != "customer":
        return
    notice = timedelta(minutes=event_type.cancellation_notice_minutes)
    if now > access.booking.start_at - notice:
        minutes = event_type.cancellation_notice_minutes
        raise TooLate(
            f"Changes are possible until {minutes} minutes before the start; "
            "contact the host instead."
        )


def _locked(booking_id: uuid.UUID) -> Booking:
    # Host row first, then the booking: the order every writer of a host's bookings takes.
    host_id = db.session.scalar(select(Booking.host_id).where(Booking.id == booking_id))
    assert host_id is not None  # bookings are erased only with their host
    hold_host(host_id)
    booking = db.session.get(Booking, booking_id, with_for_update=True, populate_existing=True)
    assert booking is not None
    return booking


def reschedule(access: Access, start: datetime, now: datetime) -> dict[str, Any]:
    """Move the booking to ``start`` (an offered slot, its own time counting as free).

    Raises:
        BookingCancelled: 409 for a cancelled booking.
        TooLate: 409 when a customer is inside the cancellation notice.
        SlotUnavailable: 409 when the new start is not offered or was just taken.
    """
    booking = access.booking
    if booking.status == "cancelled":
        raise BookingCancelled("A cancelled booking cannot be moved; book again instead.")
    event_type = _event_type(booking)
    _check_notice(access, event_type, now)
    host = db.session.get(User, booking.host_id)
    assert host is not None
    start = start.astimezone(UTC)
    if not is_offered(host, event_type, start, now, ignore_booking_id=booking.id):
        raise SlotUnavailable(NOT_OFFERED)
    placement = Placement.of(event_type, start)
    booking_id, host_id, host_zone = booking.id, host.id, host.timezone
    event_type_id, max_per_day = event_type.id, event_type.max_per_day
    begin_write()
    booking = _locked(booking_id)
    if booking.status == "cancelled":
        db.session.rollback()
        raise BookingCancelled("The booking was cancelled meanwhile.")
    ensure_free(host_id, host_zone, event_type_id, max_per_day, placement, booking_id)
    with overlap_is_conflict():
        booking.start_at, booking.end_at = placement.start, placement.end
        booking.blocked_start, booking.blocked_end = placement.blocked_start, placement.blocked_end
        booking.sequence += 1
        job_id = sync_job.enqueue_sync(booking, now, lease=inline_lease()).id
        hooks.announce(hooks.BookingChange("rescheduled", booking, access.role, now))
        commit_step("booking")
    return _after_change(host_id, booking_id, job_id, now)


def cancel(access: Access, reason: str | None, now: datetime) -> dict[str, Any]:
    """Cancel the booking: its time is free at once, its event is deleted after.

    Cancelling a cancelled booking changes nothing and answers the booking.

    Raises:
        TooLate: 409 when a customer is inside the cancellation notice.
    """
    booking = access.booking
    if booking.status == "cancelled":
        return booking_body(booking, _event_type(booking))
    _check_notice(access, _event_type(booking), now)
    booking_id, host_id = booking.id, booking.host_id
    begin_write()
    booking = _locked(booking_id)
    if booking.status == "cancelled":  # cancelled meanwhile: nothing more to do
        return booking_body(booking, _event_type(booking))
    booking.status, booking.active = "cancelled", False
    booking.cancelled_at, booking.cancelled_by = now, access.role
    booking.cancel_reason = reason
    booking.sequence += 1
    job_id = sync_job.enqueue_sync(booking, now, lease=inline_lease()).id
    hooks.announce(hooks.BookingChange("cancelled", booking, access.role, now))
    commit_step("booking")
    return _after_change(host_id, booking_id, job_id, now)


def _after_change(
    host_id: uuid.UUID, booking_id: uuid.UUID, job_id: uuid.UUID, now: datetime
) -> dict[str, Any]:
    busy_cache.invalidate(host_id)
    run_inline(job_id, now)
    booking = db.session.get(Booking, booking_id, populate_existing=True)
    assert booking is not None
    return booking_body(booking, _event_type(booking))
