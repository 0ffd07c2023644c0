"""Offered slots for a host's event type: settings + Google free/busy + existing bookings.

Busy time is Google free/busy of the host's selected calendars (one ``freeBusy`` call per
request for all of them, split at 90 days, cached briefly per host) plus every active
booking of the host as its blocked range ``[blocked_start, blocked_end)``. Fails closed:
when Google cannot be asked, a problem is raised; no slot is ever offered unchecked.

Reschedule (``ignore_booking_id``): the booking is left out of the bookings' busy time,
and its own ``[start_at, end_at)`` is cut out of Google's busy time, because its Google
event still sits at the old time. Limitation: free/busy carries no event ids, so a
different Google event overlapping the old time is freed there too.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from kaleno.errors import KalenoError
from kaleno.extensions import db
from kaleno.grant import busy_cache, calls
from kaleno.grant.errors import CalendarError
from kaleno.grant.tokens import usable_for
from kaleno.models import AvailabilityRules, Booking, EventType, GoogleConnection, User
from kaleno.models.booking import MAX_BLOCKED_SPAN
from kaleno.models.google_connection import FREEBUSY_SCOPE
from kaleno.scheduling.availability_rules import calendars_of, schedule_of
from kaleno.slots.engine import Schedule, Slot, SlotRules, compute_slots

Interval = tuple[datetime, datetime]
FREEBUSY_RETRIES = 1
_DAY = timedelta(days=1)

__all__ = ["CalendarUnreadable", "is_offered", "offered_slots"]


class CalendarUnreadable(KalenoError):
    status = 503
    slug = "calendar-unreadable"
    title = "A calendar of the host could not be read"


def offered_slots(
    host: User,
    event_type: EventType,
    window_start: datetime,
    window_end: datetime,
    now: datetime,
    *,
    fresh: bool = False,
    ignore_booking_id: uuid.UUID | None = None,
) -> list[Slot]:
    """The slots of ``event_type`` starting in ``[window_start, window_end)``, UTC.

    ``fresh`` bypasses the free/busy cache. ``ignore_booking_id`` leaves that booking's
    time free (for rescheduling it; see the module docstring for the limitation).

    Raises:
        CalendarNotConnected / CalendarRevoked / ScopeNotGranted: 409, slots unknowable.
        GoogleUnavailable: 503 after retries. CalendarUnreadable: 503, a calendar errored.
    """
    rules, conn = _settings_of(host)
    schedule = schedule_of(host.timezone, rules)
    slot_rules = slot_rules_of(event_type)
    span = _busy_span(schedule, slot_rules, window_start, window_end, now)
    if span is None:
        return []
    lo, hi = span
    google = _google_busy(host, conn, calendars_of(rules), lo, hi, now, fresh=fresh)
    ignored = _ignored_booking(host, ignore_booking_id)
    if ignored is not None:
        google = _subtract(google, ignored.start_at, ignored.end_at)
    held, booked = _bookings(host.id, event_type, lo, hi, ignore_booking_id)
    busy = [*google, *held]
    return compute_slots(schedule, slot_rules, busy, now, window_start, window_end, booked)


def is_offered(
    host: User,
    event_type: EventType,
    start: datetime,
    now: datetime,
    *,
    ignore_booking_id: uuid.UUID | None = None,
) -> bool:
    """Whether ``start`` is bookable right now, checked against a fresh free/busy call.

    A start the host's hours, grid, notice and horizon rule out is refused before Google
    is asked: a request for it must not cost a free/busy call.

    Raises:
        the same problems as ``offered_slots``.
    """
    rules, _ = _settings_of(host)
    window_end = start + timedelta(minutes=1)
    free_day = compute_slots(
        schedule_of(host.timezone, rules), slot_rules_of(event_type), [], now, start, window_end
    )
    if not any(slot.start == start for slot in free_day):
        return False
    slots = offered_slots(
        host,
        event_type,
        start,
        start + timedelta(minutes=1),
        now,
        fresh=True,
        ignore_booking_id=ignore_booking_id,
    )
    return any(slot.start == start for slot in slots)


def slot_rules_of(event_type: EventType) -> SlotRules:
    """The engine's rules for an event type."""
    return SlotRules(
        duration=timedelta(minutes=event_type.duration_minutes),
        buffer_before=timedelta(minutes=event_type.buffer_before_minutes),
        buffer_after=timedelta(minutes=event_type.buffer_after_minutes),
        min_notice=timedelta(minutes=event_type.min_notice_minutes),
        horizon=timedelta(days=event_type.horizon_days),
        interval=timedelta(minutes=event_type.slot_interval_minutes),
        max_per_day=event_type.max_per_day,
    )


def _busy_span(
    schedule: Schedule,
    rules: SlotRules,
    window_start: datetime,
    window_end: datetime,
    now: datetime,
) -> Interval | None:
    """The part of time whose busy-ness can matter: candidate starts clipped to notice and
    horizon, widened by the buffers and the duration; None when no slot is possible."""
    first = max(window_start, now + rules.min_notice)
    last = min(window_end, now + rules.horizon)
    if first >= last or not (any(schedule.weekly) or any(schedule.overrides.values())):
        return None
    return first - rules.buffer_before, last + rules.duration + rules.buffer_after


def _settings_of(host: User) -> tuple[AvailabilityRules | None, GoogleConnection | None]:
    """The host's availability rules and Google connection, in one query."""
    found = (
        db.session.query(AvailabilityRules, GoogleConnection)
        .select_from(User)
        .outerjoin(AvailabilityRules, AvailabilityRules.user_id == User.id)
        .outerjoin(GoogleConnection, GoogleConnection.user_id == User.id)
        .filter(User.id == host.id)
        .one()
    )
    return found[0], found[1]


def _google_busy(
    host: User,
    conn: GoogleConnection | None,
    calendars: list[str],
    lo: datetime,
    hi: datetime,
    now: datetime,
    *,
    fresh: bool,
) -> Sequence[Interval]:
    if not usable_for(conn, FREEBUSY_SCOPE):
        # A cached answer must not outlive the grant: let the token path raise its problem.
        calls.require(host, FREEBUSY_SCOPE, now)

    def fetch(time_min: datetime, time_max: datetime) -> list[Interval]:
        try:
            return calls.free_busy(
                host, now, calendars, time_min, time_max, retries=FREEBUSY_RETRIES
            )
        except CalendarError as error:
            reason = str(error).rsplit(": ", 1)[-1]
            raise CalendarUnreadable(
                f"Google could not read one of the host's selected calendars ({reason}); "
                "slots cannot be checked until the host fixes the calendar list."
            ) from None

    if fresh:
        return fetch(lo, hi)
    return busy_cache.cached_busy(host.id, calendars, lo, hi, fetch)


def _ignored_booking(host: User, booking_id: uuid.UUID | None) -> Booking | None:
    if booking_id is None:
        return None
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.host_id != host.id or not booking.active:
        return None
    return booking


def _bookings(
    host_id: uuid.UUID,
    event_type: EventType,
    lo: datetime,
    hi: datetime,
    ignore_id: uuid.UUID | None,
) -> tuple[list[Interval], list[datetime]]:
    """One query: the blocked ranges of the host's active bookings overlapping
    ``[lo, hi)``, and the starts of this event type's (two days around, for the daily cap;
    only when it has one)."""
    cap = event_type.max_per_day is not None
    reach_lo, reach_hi = (lo - 2 * _DAY, hi + 2 * _DAY) if cap else (lo, hi)
    query = db.session.query(
        Booking.event_type_id, Booking.start_at, Booking.blocked_start, Booking.blocked_end
    ).filter(
        Booking.host_id == host_id,
        Booking.active.is_(True),
        Booking.blocked_end > reach_lo,
        Booking.blocked_start < reach_hi,
        Booking.blocked_start > reach_lo - MAX_BLOCKED_SPAN,  # read the window, not history
    )
    if ignore_id is not None:
        query = query.filter(Booking.id != ignore_id)
    held: list[Interval] = []
    booked: list[datetime] = []
    for event_type_id, start_at, blocked_start, blocked_end in query:
        if blocked_end > lo and blocked_start < hi:
            held.append((blocked_start, blocked_end))
        if cap and event_type_id == event_type.id:
            booked.append(start_at)
    return held, booked


def _subtract(intervals: Sequence[Interval], cut_lo: datetime, cut_hi: datetime) -> list[Interval]:
    """``intervals`` minus ``[cut_lo, cut_hi)``."""
    kept: list[Interval] = []
    for lo, hi in intervals:
        if hi <= cut_lo or lo >= cut_hi:
            kept.append((lo, hi))
            continue
        if lo < cut_lo:
            kept.append((lo, cut_lo))
        if hi > cut_hi:
            kept.append((cut_hi, hi))
    return kept
