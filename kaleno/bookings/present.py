"""A booking row as the API shows it (the Booking shape of DESIGN.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from kaleno.bookings.schemas import (
    BookingOut,
    Customer,
    EventTypeRef,
    GoogleEvent,
)
from kaleno.models import Booking, EventType
from kaleno.vault import fingerprint


def hash_manage_token(token: str) -> str:
    """The stored form of a manage token."""
    return fingerprint(token)


def _local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def booking_out(booking: Booking, event_type: EventType) -> BookingOut:
    """The booking as a response model; times in the customer's zone."""
    zone = booking.customer_timezone or "UTC"
    return BookingOut(
        id=booking.id,
        status="cancelled" if booking.status == "cancelled" else "confirmed",
        start=_local(booking.start_at, zone),
        end=_local(booking.end_at, zone),
        event_type=EventTypeRef(id=event_type.id, slug=event_type.slug, title=event_type.title),
        customer=Customer(
            name=booking.customer_name,
            email=booking.customer_email,
            phone=booking.customer_phone,
            timezone=zone,
        ),
        notes=booking.notes,
        google=GoogleEvent(
            event_id=booking.google_event_id,
            html_link=booking.google_html_link,
            meet_link=booking.google_meet_link,
            sync=booking.google_sync,
            error=booking.google_sync_error,
        ),
        cancelled_at=booking.cancelled_at,
        cancel_reason=booking.cancel_reason,
        cancelled_by=booking.cancelled_by,
        rules_warning=booking.rules_warning,
    )


def booking_body(booking: Booking, event_type: EventType) -> dict[str, Any]:
    """The booking as JSON-ready data."""
    return booking_out(booking, event_type).model_dump(mode="json")
