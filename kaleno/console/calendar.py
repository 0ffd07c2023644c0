"""The calendar page: what Google granted, what is off, connect and disconnect."""

from __future__ import annotations

from typing import Any

from flask import Response, request, url_for

from kaleno.clock import current_time
from kaleno.console.common import bp, console_page, host
from kaleno.console.confirm import confirm_page, confirmed
from kaleno.grant.tokens import calendar_status
from kaleno.i18n import _
from kaleno.models import User
from kaleno.models.google_connection import CALENDAR_SCOPES
from kaleno.privacy.disconnect import disconnect_on_request

FREEBUSY, EVENTS = CALENDAR_SCOPES


def scope_texts() -> dict[str, tuple[str, str]]:
    """Each calendar permission: what it lets Kaleno do, and what stops without it."""
    return {
        FREEBUSY: (
            _("See when you are busy, so your booking page offers only free times."),
            _("Without it, your booking page cannot offer any times."),
        ),
        EVENTS: (
            _("Create, move and cancel the events of your bookings in your calendar."),
            _("Without it, bookings cannot be put into your calendar."),
        ),
    }


@bp.get("/calendar")
def calendar() -> Response:
    """Show the connection, each permission granted or missing, and the ways to change it."""
    user = host()
    return _calendar_page(user, None)


@bp.post("/calendar/disconnect")
def disconnect_calendar() -> Response:
    """Ask first; then revoke at Google and delete Google data, and show the receipt."""
    user = host()
    delete_events = request.form.get("delete_future_events") == "yes"
    if not confirmed():
        return confirm_page(
            user,
            title=_("Disconnect Google Calendar?"),
            lines=[
                _(
                    "Kaleno will revoke its access at Google and delete its tokens and what it "
                    "read from your calendar. Your booking page offers no times until you "
                    "connect again."
                )
            ],
            action=url_for("console.disconnect_calendar"),
            button=_("Disconnect"),
            back=url_for("console.calendar"),
            choices=[
                (
                    "delete_future_events",
                    _("Also delete the future events Kaleno created in my calendar"),
                    delete_events,
                )
            ],
        )
    receipt = disconnect_on_request(user, current_time(), delete_future_events=delete_events)
    return _calendar_page(user, receipt)


def _calendar_page(user: User, receipt: dict[str, Any] | None) -> Response:
    """The calendar page: connection, permissions, and the disconnect receipt if any."""
    return console_page(
        "console/calendar.html",
        user,
        calendar=calendar_status(user),
        scopes=scope_texts(),
        connect_url=url_for("auth.connect_calendar", next=url_for("console.calendar")),
        receipt=receipt,
    )
