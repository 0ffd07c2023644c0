"""What a booking notice says, captured when the change happens.

A notice describes the change that caused it, not whatever the booking looks like when
the mail finally leaves (SMTP may be down for an hour, the booking may move again, a
host's erasure anonymizes it at once). So the facts are copied into the outbox job and
removed from it once the mail is sent.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from kaleno.models import Booking, EventType, User


@dataclass(frozen=True)
class BookingFacts:
    """A booking as one notice describes it; times are RFC 3339 in UTC."""

    booking_id: str
    sequence: int
    status: str
    start: str
    end: str
    title: str
    description: str
    location_kind: str
    location: str | None
    meet_link: str | None
    host_name: str | None
    host_email: str | None
    host_timezone: str
    customer_name: str | None
    customer_email: str | None
    customer_phone: str | None
    customer_timezone: str
    notes: str | None
    cancel_reason: str | None
    locale: str

    @classmethod
    def of(cls, booking: Booking, event_type: EventType, host: User) -> BookingFacts:
        """The facts of ``booking`` as they stand in the session right now."""
        location = (
            event_type.location_address
            if event_type.location_kind == "in_person"
            else event_type.location_details
        )
        return cls(
            booking_id=str(booking.id),
            sequence=booking.sequence,
            status=booking.status,
            start=booking.start_at.isoformat(),
            end=booking.end_at.isoformat(),
            title=event_type.title,
            description=event_type.description,
            location_kind=event_type.location_kind,
            location=location,
            meet_link=booking.google_meet_link,
            host_name=host.name,
            host_email=host.email,
            host_timezone=host.timezone,
            customer_name=booking.customer_name,
            customer_email=booking.customer_email,
            customer_phone=booking.customer_phone,
            customer_timezone=booking.customer_timezone or "UTC",
            notes=booking.notes,
            cancel_reason=booking.cancel_reason,
            locale=booking.locale,
        )

    @classmethod
    def from_payload(cls, values: dict[str, Any]) -> BookingFacts:
        """Read facts back from an outbox payload."""
        return cls(**values)

    def as_payload(self) -> dict[str, Any]:
        """The facts as JSON-ready values."""
        return asdict(self)

    @property
    def start_at(self) -> datetime:
        return datetime.fromisoformat(self.start)

    @property
    def end_at(self) -> datetime:
        return datetime.fromisoformat(self.end)

    @property
    def booking_uuid(self) -> uuid.UUID:
        return uuid.UUID(self.booking_id)
