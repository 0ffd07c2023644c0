"""iCalendar (RFC 5545 / 5546) files for one booking, built with the ``icalendar`` library.

The ``UID`` is derived from the booking id and never changes, ``SEQUENCE`` is the
booking's counter (raised on every reschedule and cancel), so a calendar app that
imported an earlier file replaces it; a cancellation is ``METHOD:CANCEL`` with
``STATUS:CANCELLED``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Literal

from icalendar import Calendar, Event, vCalAddress, vText

from kaleno.models import Booking, EventType, User

Method = Literal["REQUEST", "CANCEL"]
PRODID = "-//Kaleno//Kaleno booking//EN"
UID_DOMAIN = "kaleno"
ICS_MIMETYPE = "text/calendar"


def booking_uid(booking_id: uuid.UUID) -> str:
    """The stable iCalendar ``UID`` of a booking."""
    return f"{booking_id}@{UID_DOMAIN}"


def booking_location(booking: Booking, event_type: EventType) -> str | None:
    """Where the meeting happens, as a calendar app shows it (Meet link, address, details)."""
    if booking.google_meet_link:
        return booking.google_meet_link
    if event_type.location_kind == "in_person":
        return event_type.location_address
    return event_type.location_details


def _address(email: str, name: str | None) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["cn"] = vText(name)
    return address


def booking_ics(
    booking: Booking,
    event_type: EventType,
    host: User,
    *,
    method: Method,
    now: datetime | None = None,
) -> bytes:
    """One ``VEVENT`` for ``booking`` in a ``VCALENDAR`` with ``method``; the file's bytes."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    event = Event()
    event.add("uid", booking_uid(booking.id))
    event.add("sequence", booking.sequence)
    event.add("dtstamp", (now or datetime.now(UTC)).astimezone(UTC))
    event.add("dtstart", booking.start_at.astimezone(UTC))
    event.add("dtend", booking.end_at.astimezone(UTC))
    title = event_type.title
    if host.name:
        title = f"{title} ({host.name})"
    event.add("summary", title)
    if event_type.description:
        event.add("description", event_type.description)
    location = booking_location(booking, event_type)
    if location:
        event.add("location", location)
    if booking.google_meet_link:
        event.add("url", booking.google_meet_link)
    if host.email:
        event.add("organizer", _address(host.email, host.name))
    if booking.customer_email:
        attendee = _address(booking.customer_email, booking.customer_name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("ACCEPTED")
        event.add("attendee", attendee)
    cancelled = method == "CANCEL" or booking.status == "cancelled"
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return bytes(calendar.to_ical())
