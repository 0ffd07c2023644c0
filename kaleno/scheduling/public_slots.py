"""Public pages' data: a host by slug, its bookable event types, and slots grouped by day."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select

from kaleno.errors import NotFound, ensure_not_restricted
from kaleno.extensions import db
from kaleno.models import EventType, User
from kaleno.scheduling.event_type_shapes import location_of
from kaleno.slots.engine import Slot

MAX_RANGE_DAYS = 62
EARLIEST = date(1970, 1, 1)
LATEST = date(2999, 12, 31)


def public_host(host_slug: str) -> User:
    """The host publishing at ``host_slug``.

    Raises:
        NotFound: 404 when no host uses the slug.
        HostRestricted: 409 while the host has restricted processing (pages closed).
    """
    host = db.session.query(User).filter(User.slug == host_slug).one_or_none()
    if host is None:
        raise NotFound("No booking page at this address.")
    ensure_not_restricted(host)
    return host


def bookable_event_types(host: User) -> list[EventType]:
    """The host's active, non-archived event types, oldest first."""
    return (
        db.session.query(EventType)
        .filter(
            EventType.user_id == host.id,
            EventType.bookable,
        )
        .order_by(EventType.created_at, EventType.slug)
        .all()
    )


def bookable_event_type(host: User, event_slug: str) -> EventType:
    """One active, non-archived event type of the host.

    Raises:
        NotFound: 404 when there is none by that slug.
    """
    event_type = (
        db.session.query(EventType)
        .filter(
            EventType.user_id == host.id,
            EventType.slug == event_slug,
            EventType.bookable,
        )
        .one_or_none()
    )
    if event_type is None:
        raise NotFound("No bookable event type at this address.")
    return event_type


def hold_host(host_id: uuid.UUID) -> User | None:
    """In the writing transaction: hold the host's row (``FOR NO KEY UPDATE``), as it is
    now; None if the host was erased.

    Every writer of a host's bookings takes this row before any of the bookings (new
    bookings, changes, the two-way sync, disconnect, erasure): a booking's change bumps the
    host's ``bookings_version``, so locking a booking first and the host row at the flush
    deadlocks on PostgreSQL against a writer that took them the other way round.
    """
    return db.session.get(
        User, host_id, with_for_update={"key_share": True}, populate_existing=True
    )


def lock_bookable(host_id: uuid.UUID, event_type_id: uuid.UUID) -> None:
    """In the writing transaction: hold the host's row and check the page is still open.

    The row is held first (``hold_host``): writers of one host's bookings queue here
    instead of deadlocking.

    Erasure takes the same row for update first, so a booking and an erasure of its host
    are ordered: the booking either lands before (and the erasure cancels it) or sees the
    page gone.

    Raises:
        NotFound: 404, the host was erased or the event type closed meanwhile.
        HostRestricted: 409, the host restricted processing meanwhile.
    """
    host = hold_host(host_id)
    event_type = db.session.get(EventType, event_type_id, populate_existing=True)
    if host is None or host.slug is None:
        raise NotFound("No booking page at this address.")
    ensure_not_restricted(host)
    if event_type is None or not event_type.bookable:
        raise NotFound("No bookable event type at this address.")


_HOST_AND_EVENT_TYPE = (
    select(User, EventType)
    .join(EventType, EventType.user_id == User.id)
    .where(
        User.slug == bindparam("host_slug"),
        EventType.slug == bindparam("event_slug"),
        EventType.bookable,
    )
)  # built once: the booking page runs it on every view


def host_and_event_type(host_slug: str, event_slug: str) -> tuple[User, EventType]:
    """A host and one of its active, non-archived event types, in one query.

    Raises:
        NotFound: 404 when there is no such host, or no bookable event type by that slug.
    """
    found = db.session.execute(
        _HOST_AND_EVENT_TYPE, {"host_slug": host_slug, "event_slug": event_slug}
    ).one_or_none()
    if found is None:
        public_host(host_slug)  # says which of the two is missing
        raise NotFound("No bookable event type at this address.")
    host, event_type = found
    ensure_not_restricted(host)
    return host, event_type


def page_document(host: User) -> dict[str, Any]:
    """What a customer sees of the host: name, slug, zone and bookable event types.

    Location ``details`` stay private (they may hold a phone number or a link shared
    after booking); an in-person address is public, customers need it to choose.
    """
    return {
        "name": host.name,
        "slug": host.slug,
        "timezone": host.timezone,
        "event_types": [
            {
                "slug": event_type.slug,
                "title": event_type.title,
                "description": event_type.description,
                "duration_minutes": event_type.duration_minutes,
                "location": {
                    "kind": event_type.location_kind,
                    "address": location_of(event_type)["address"],
                },
            }
            for event_type in bookable_event_types(host)
        ],
    }


def local_window(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """``[first 00:00, last + 1 day 00:00)`` in ``zone`` (a skipped midnight starts the day
    at the first instant after the gap)."""
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    return start, end


def slots_by_day(
    slots: list[Slot], first: date, last: date, zone: ZoneInfo
) -> list[dict[str, Any]]:
    """Every date ``first..last`` in ``zone`` with its slots (empty lists included), times
    RFC 3339 with the zone's offset at each instant."""
    days: dict[date, list[dict[str, str]]] = {}
    day = first
    while day <= last:
        days[day] = []
        day += timedelta(days=1)
    for slot in slots:
        start = slot.start.astimezone(zone)
        bucket = days.get(start.date())
        if bucket is not None:
            bucket.append(
                {"start": start.isoformat(), "end": slot.end.astimezone(zone).isoformat()}
            )
    return [{"date": day.isoformat(), "slots": listed} for day, listed in days.items()]
