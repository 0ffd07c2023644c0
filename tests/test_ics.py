"""iCalendar files: they round-trip through icalendar, keep their UID, carry the instant."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from kaleno.ics import booking_ics, booking_uid
from kaleno.models import Booking, EventType, User

START = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


def _objects(**booking_fields: object) -> tuple[Booking, EventType, User]:
    host = User(id=uuid.uuid4(), google_sub="s", email="host@example.com", name="Hana Host")
    event_type = EventType(
        id=uuid.uuid4(),
        user_id=host.id,
        slug="intro",
        title="Intro call",
        description="A first talk",
        duration_minutes=30,
        location_kind="in_person",
        location_address="Jl. Sudirman 1, Jakarta",
    )
    fields: dict[str, object] = {
        "id": uuid.uuid4(),
        "host_id": host.id,
        "event_type_id": event_type.id,
        "status": "confirmed",
        "start_at": START,
        "end_at": START + timedelta(minutes=30),
        "customer_name": "Ada Customer",
        "customer_email": "ada@example.org",
        "sequence": 0,
    }
    fields.update(booking_fields)
    return Booking(**fields), event_type, host


def _event(data: bytes) -> tuple[Calendar, object]:
    calendar = Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def test_request_round_trips_with_the_booked_instant() -> None:
    booking, event_type, host = _objects()
    data = booking_ics(booking, event_type, host, method="REQUEST")
    calendar, event = _event(data)
    assert calendar["METHOD"] == "REQUEST" and calendar["VERSION"] == "2.0"
    assert event["DTSTART"].dt == START  # type: ignore[index]
    assert event["DTEND"].dt == START + timedelta(minutes=30)  # type: ignore[index]
    assert str(event["UID"]) == booking_uid(booking.id) == f"{booking.id}@kaleno"  # type: ignore[index]
    assert int(event["SEQUENCE"]) == 0  # type: ignore[index]
    assert str(event["SUMMARY"]) == "Intro call (Hana Host)"  # type: ignore[index]
    assert str(event["LOCATION"]) == "Jl. Sudirman 1, Jakarta"  # type: ignore[index]
    assert str(event["ORGANIZER"]) == "mailto:host@example.com"  # type: ignore[index]
    assert str(event["STATUS"]) == "CONFIRMED"  # type: ignore[index]
    assert Calendar.from_ical(calendar.to_ical()).to_ical() == calendar.to_ical()
    assert b"DTSTART:20261207T150000Z" in data  # UTC, no floating time


def test_a_meet_link_is_the_location() -> None:
    booking, event_type, host = _objects(google_meet_link="https://meet.google.com/abc-defg-hij")
    _, event = _event(booking_ics(booking, event_type, host, method="REQUEST"))
    assert str(event["LOCATION"]) == "https://meet.google.com/abc-defg-hij"  # type: ignore[index]


def test_cancel_keeps_the_uid_and_raises_the_sequence() -> None:
    booking, event_type, host = _objects()
    first = _event(booking_ics(booking, event_type, host, method="REQUEST"))[1]
    booking.status, booking.sequence = "cancelled", 2
    calendar, cancelled = _event(booking_ics(booking, event_type, host, method="CANCEL"))
    assert calendar["METHOD"] == "CANCEL"
    assert str(cancelled["UID"]) == str(first["UID"])  # type: ignore[index]
    assert int(cancelled["SEQUENCE"]) == 2  # type: ignore[index]
    assert str(cancelled["STATUS"]) == "CANCELLED"  # type: ignore[index]
