"""Which mails a booking change queues: confirmation, host notice, reminders, change notices.

Runs as a listener of ``kaleno.bookings.hooks`` inside the change's own transaction, so a
notice exists exactly when its change was committed. Who is told: the customer of a new
booking (and its host, unless switched off); the other party of a reschedule or a
cancellation (the customer when the host or the system acted, the host when the
customer did). Reminders go to the customer and follow the booking's time.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from kaleno.bookings.hooks import BookingChange
from kaleno.extensions import db
from kaleno.models import EventType, User
from kaleno.notices.facts import BookingFacts
from kaleno.notices.queue import drop_pending, enqueue_mail

REMINDER = "reminder"


def on_booking_change(change: BookingChange) -> None:
    """Queue the mails ``change`` calls for (a ``kaleno.bookings.hooks`` listener)."""
    booking = change.booking
    event_type = db.session.get(EventType, booking.event_type_id)
    host = db.session.get(User, booking.host_id)
    assert event_type is not None and host is not None  # foreign keys
    if host.restricted_at is not None:  # processing restricted: nothing goes out for them
        return
    facts = BookingFacts.of(booking, event_type, host)
    if change.kind == "created":
        _queue(facts, "confirmation", "customer", change, secret=change.manage_token)
        if host.notify_new_booking:
            _queue(facts, "new_booking", "host", change)
        _plan_reminders(facts, event_type, change)
        return
    drop_pending([booking.id], {REMINDER})
    if change.kind == "rescheduled":
        _plan_reminders(facts, event_type, change)
    other_party = "host" if change.actor == "customer" else "customer"
    _queue(facts, change.kind, other_party, change)


def _queue(
    facts: BookingFacts,
    notice: str,
    to_role: str,
    change: BookingChange,
    *,
    secret: str | None = None,
    minutes: int | None = None,
) -> None:
    to = facts.customer_email if to_role == "customer" else facts.host_email
    if not to:
        return
    payload: dict[str, Any] = {
        "notice": notice,
        "to": to,
        "to_role": to_role,
        "facts": facts.as_payload(),
    }
    due = None
    if minutes is not None:
        payload["minutes"] = minutes
        due = facts.start_at - timedelta(minutes=minutes)
    enqueue_mail(
        payload,
        change.now,
        booking_id=change.booking.id,
        user_id=change.booking.host_id,
        due=due,
        secret=secret,
    )


def _plan_reminders(facts: BookingFacts, event_type: EventType, change: BookingChange) -> None:
    """One job per reminder still ahead; a reminder whose time has passed is never sent."""
    for minutes in sorted(set(event_type.reminders_minutes or [])):
        if facts.start_at - timedelta(minutes=minutes) > change.now:
            _queue(facts, REMINDER, "customer", change, minutes=minutes)
