"""The words of each notice: subject, opening, details and the one link we put in.

Everything here is plain text; the templates escape it for HTML, so a customer's name
or notes can never become markup or a link. The only link is one Kaleno builds itself
(the manage link, a verification address).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from kaleno.notices.facts import BookingFacts

LOCATION_WORDS = {
    "google_meet": "Google Meet (the link comes with the calendar invitation)",
    "phone": "Phone call",
    "in_person": "In person",
    "custom": "See the details",
}


@dataclass(frozen=True)
class Letter:
    """One email's content, before it is laid out as text and HTML."""

    subject: str
    lead: str
    details: list[tuple[str, str]] = field(default_factory=list)
    action: tuple[str, str] | None = None
    footer: list[str] = field(default_factory=list)


def when(moment: datetime, zone: str, locale: str) -> str:
    """A moment as the reader's clock shows it, with the zone named."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local:%A %d %B %Y, %H:%M} ({zone})"


def booking_letter(
    notice: str, to_role: str, facts: BookingFacts, *, manage_url: str | None, minutes: int | None
) -> Letter:
    """The letter for a booking notice to the customer or the host."""
    zone = facts.customer_timezone if to_role == "customer" else facts.host_timezone
    at = when(facts.start_at, zone, facts.locale)
    host = facts.host_name or "Your host"
    customer = facts.customer_name or "The customer"
    details = _details(facts, to_role, at)
    if notice == "confirmation":
        manage = ("Manage your booking (reschedule or cancel)", manage_url) if manage_url else None
        return Letter(
            subject=f"Booking confirmed: {facts.title}, {at}",
            lead=f"Your booking with {host} is confirmed.",
            details=details,
            action=manage,
            footer=[
                "Keep this email: its link is how you change or cancel this booking.",
                "The attached invitation (.ics) adds the booking to your calendar.",
            ],
        )
    if notice == "new_booking":
        return Letter(
            subject=f"New booking: {facts.title}, {at}",
            lead=f"{customer} booked {facts.title}.",
            details=details,
            footer=["It is in your Google Calendar too."],
        )
    if notice == "rescheduled":
        lead = (
            f"{host} moved your booking to a new time."
            if to_role == "customer"
            else f"{customer} moved their booking to a new time."
        )
        return Letter(
            subject=f"Booking moved: {facts.title}, {at}",
            lead=lead,
            details=details,
            footer=["The attached invitation (.ics) updates your calendar."],
        )
    if notice == "cancelled":
        lead = (
            f"{host} cancelled your booking."
            if to_role == "customer"
            else f"{customer} cancelled their booking."
        )
        if facts.cancel_reason:
            details = [*details, ("Reason", facts.cancel_reason)]
        return Letter(
            subject=f"Booking cancelled: {facts.title}, {at}",
            lead=lead,
            details=details,
            footer=["The attached cancellation (.ics) removes it from your calendar."],
        )
    if notice == "reminder":
        return Letter(
            subject=f"Reminder: {facts.title}, {at}",
            lead=f"A reminder of your booking with {host}.",
            details=details,
            footer=["To reschedule or cancel, use the link in your confirmation email."],
        )
    raise ValueError(f"unknown booking notice {notice!r}")


def _details(facts: BookingFacts, to_role: str, at: str) -> list[tuple[str, str]]:
    rows = [("What", facts.title), ("When", at)]
    where = facts.meet_link or facts.location
    rows.append(("Where", where or LOCATION_WORDS.get(facts.location_kind, "")))
    if to_role == "customer":
        rows.append(("With", facts.host_name or ""))
        return rows
    rows += [
        ("Name", facts.customer_name or ""),
        ("Email", facts.customer_email or ""),
        ("Phone", facts.customer_phone or ""),
        ("Notes", facts.notes or ""),
    ]
    return [(label, value) for label, value in rows if value]


def privacy_letter(kind: str, confirm_url: str, token: str) -> Letter:
    """The verification mail of a guest's privacy request."""
    return Letter(
        subject=f"Confirm your {kind} request",
        lead=(
            f"Someone (hopefully you) asked Kaleno for the {kind} of the data tied to this address."
        ),
        details=[("Confirm at", confirm_url), ("Token", token)],
        footer=[
            "To confirm, POST the token to that address within 48 hours.",
            "If it was not you, ignore this message; nothing happens without the token.",
        ],
    )
