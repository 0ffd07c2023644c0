"""The letter of each booking notice, to the customer or to the host."""

from __future__ import annotations

from flask_babel import get_locale

from kaleno.i18n import DEFAULT_LOCALE
from kaleno.notices.facts import BookingFacts
from kaleno.notices.letters import Letter, _, location_words, when


def booking_letter(
    notice: str, to_role: str, facts: BookingFacts, *, manage_url: str | None
) -> Letter:
    """The letter for a booking notice; call inside ``force_locale`` of the reader.

    Raises:
        ValueError: for a notice kind this module does not write.
    """
    zone = facts.customer_timezone if to_role == "customer" else facts.host_timezone
    at = when(facts.start_at, zone, str(get_locale() or DEFAULT_LOCALE))
    host = facts.host_name or _("Your host")
    customer = facts.customer_name or _("The customer")
    title = facts.title
    details = _details(facts, to_role, at)
    if notice == "confirmation":
        label = _("Manage your booking (reschedule or cancel)")
        return Letter(
            subject=_("Booking confirmed: %(title)s, %(when)s", title=title, when=at),
            lead=_("Your booking with %(host)s is confirmed.", host=host),
            details=details,
            action=(label, manage_url) if manage_url else None,
            footer=[
                _("Keep this email: its link is how you change or cancel this booking."),
                _("The attached invitation (.ics) adds the booking to your calendar."),
            ],
        )
    if notice == "new_booking":
        return Letter(
            subject=_("New booking: %(title)s, %(when)s", title=title, when=at),
            lead=_("%(customer)s booked %(title)s.", customer=customer, title=title),
            details=details,
            footer=[_("It is in your Google Calendar too.")],
        )
    if notice == "rescheduled":
        return Letter(
            subject=_("Booking moved: %(title)s, %(when)s", title=title, when=at),
            lead=(
                _("%(host)s moved your booking to a new time.", host=host)
                if to_role == "customer"
                else _("%(customer)s moved their booking to a new time.", customer=customer)
            ),
            details=details,
            footer=[_("The attached invitation (.ics) updates your calendar.")],
        )
    if notice == "cancelled":
        if facts.cancel_reason:
            details = [*details, (_("Reason"), facts.cancel_reason)]
        return Letter(
            subject=_("Booking cancelled: %(title)s, %(when)s", title=title, when=at),
            lead=(
                _("%(host)s cancelled your booking.", host=host)
                if to_role == "customer"
                else _("%(customer)s cancelled their booking.", customer=customer)
            ),
            details=details,
            footer=[_("The attached cancellation (.ics) removes it from your calendar.")],
        )
    if notice == "reminder":
        return Letter(
            subject=_("Reminder: %(title)s, %(when)s", title=title, when=at),
            lead=_("A reminder of your booking with %(host)s.", host=host),
            details=details,
            footer=[_("To reschedule or cancel, use the link in your confirmation email.")],
        )
    raise ValueError(f"unknown booking notice {notice!r}")


def _details(facts: BookingFacts, to_role: str, at: str) -> list[tuple[str, str]]:
    where = facts.meet_link or facts.location or location_words(facts.location_kind)
    rows = [(_("What"), facts.title), (_("When"), at), (_("Where"), where)]
    if to_role == "customer":
        rows.append((_("With"), facts.host_name or ""))
    else:
        rows += [
            (_("Name"), facts.customer_name or ""),
            (_("Email"), facts.customer_email or ""),
            (_("Phone"), facts.customer_phone or ""),
            (_("Notes"), facts.notes or ""),
        ]
    return [(label, value) for label, value in rows if value]
