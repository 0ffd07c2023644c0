"""The ``.ics`` a booking notice carries, built by ``kaleno.ics`` from the notice's facts.

``kaleno.ics`` writes a file for a booking row; a notice describes the booking as it was
at its change, so the row is rebuilt from the facts, detached from the session.
"""

from __future__ import annotations

from datetime import datetime

from kaleno.ics import Method, booking_ics
from kaleno.models import Booking, EventType, User
from kaleno.notices.facts import BookingFacts


def invitation(facts: BookingFacts, method: Method, now: datetime) -> bytes:
    """The iCalendar file for ``facts`` (``REQUEST`` or ``CANCEL``)."""
    booking = Booking(
        id=facts.booking_uuid,
        status=facts.status,
        start_at=facts.start_at,
        end_at=facts.end_at,
        sequence=facts.sequence,
        customer_name=facts.customer_name,
        customer_email=facts.customer_email,
        google_meet_link=facts.meet_link,
    )
    event_type = EventType(
        title=facts.title,
        description=facts.description,
        location_kind=facts.location_kind,
        location_address=facts.location if facts.location_kind == "in_person" else None,
        location_details=facts.location if facts.location_kind != "in_person" else None,
    )
    host = User(name=facts.host_name, email=facts.host_email)
    return booking_ics(booking, event_type, host, method=method, now=now)
