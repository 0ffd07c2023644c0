"""The Google Calendar event a booking should have, and its id derived from the booking's.

The id is the booking UUID in base32hex (Google allows ``a-v`` and ``0-9``), so every
insert of one booking's event names the same event: a retried insert answers 409
duplicate and can never create a second event.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from kaleno.bookings.customer_text import unlinked
from kaleno.models import Booking, EventType

EVENT_ID_PREFIX = "kb"
# Replacement events (the host deleted the previous one in Google) get ``r<n>`` appended;
# ``r`` and digits are base32hex too, and the id stays derived, so a retried insert of a
# replacement still answers 409 instead of creating a second event.
REPLACEMENT_MARK = "r"
PRIVATE_BOOKING_KEY = "kaleno_booking_id"


def google_event_id(booking_id: uuid.UUID) -> str:
    """The booking's Google event id: ``kb`` + base32hex of the UUID, lower case, unpadded."""
    encoded = base64.b32hexencode(booking_id.bytes).decode().rstrip("=").lower()
    return EVENT_ID_PREFIX + encoded


def replacement_event_id(booking_id: uuid.UUID, current: str) -> str:
    """The id of the event that replaces ``current`` after the host deleted it in Google."""
    base = google_event_id(booking_id)
    suffix = current[len(base) + 1 :] if current.startswith(base + REPLACEMENT_MARK) else ""
    generation = int(suffix) + 1 if suffix.isdigit() else 1
    return f"{base}{REPLACEMENT_MARK}{generation}"


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _location(event_type: EventType) -> str | None:
    if event_type.location_kind == "in_person":
        return event_type.location_address or event_type.location_details
    if event_type.location_kind in ("phone", "custom"):
        return event_type.location_details or event_type.location_address
    return None


def _description(booking: Booking) -> str:
    lines = [f"Booked with Kaleno by {booking.customer_name or 'a customer'}."]
    if booking.customer_phone:
        lines.append(f"Phone: {booking.customer_phone}")
    if booking.notes:  # customer text: only here, and never as a link or markup
        lines += ["", unlinked(booking.notes)]
    return "\n".join(lines)


def event_fields(booking: Booking, event_type: EventType) -> dict[str, Any]:
    """The fields Kaleno owns on the event (what an insert sends and a patch restores)."""
    fields: dict[str, Any] = {
        # A confirmed booking's event is confirmed, also if someone cancelled it in Google.
        "status": "confirmed",
        "summary": f"{event_type.title} with {booking.customer_name or 'a customer'}",
        "description": _description(booking),
        "start": {"dateTime": _rfc3339(booking.start_at)},
        "end": {"dateTime": _rfc3339(booking.end_at)},
        "attendees": (
            [{"email": booking.customer_email, "displayName": booking.customer_name}]
            if booking.customer_email
            else []
        ),
        "extendedProperties": {"private": {PRIVATE_BOOKING_KEY: str(booking.id)}},
    }
    location = _location(event_type)
    if location:
        fields["location"] = location
    return fields


def new_event(booking: Booking, event_type: EventType) -> dict[str, Any]:
    """The full insert body: Kaleno's fields, the derived id and a Meet request if wanted."""
    event = {"id": google_event_id(booking.id), **event_fields(booking, event_type)}
    if wants_meet(event_type):
        event["conferenceData"] = {
            "createRequest": {
                "requestId": str(booking.id),
                "conferenceSolutionKey": {"type": "hangoutsMeet"},
            }
        }
    return event


def wants_meet(event_type: EventType) -> bool:
    """Whether the event should carry a Google Meet link."""
    return event_type.location_kind == "google_meet"


def event_version(booking: Booking) -> str:
    """A digest of everything the Google event mirrors; a change means sync again."""
    mirrored = [
        booking.status,
        _rfc3339(booking.start_at),
        _rfc3339(booking.end_at),
        booking.customer_name,
        booking.customer_email,
        booking.customer_phone,
        booking.notes,
    ]
    return hashlib.sha256(json.dumps(mirrored).encode()).hexdigest()
