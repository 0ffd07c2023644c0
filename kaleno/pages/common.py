"""What the customer's pages share: the blueprint, HTML error pages, a booking as shown."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, g, make_response, render_template, request
from werkzeug.exceptions import Forbidden, HTTPException
from werkzeug.routing import BaseConverter

from kaleno.errors import KalenoError, http_problem
from kaleno.i18n import _
from kaleno.ics import booking_location
from kaleno.models import Booking, EventType, User
from kaleno.pages.grants import manage_path
from kaleno.scheduling.fields import RESERVED_SLUGS
from kaleno.scheduling.profile import routed_top_level_paths

bp = Blueprint("customer", __name__)


class HostSlugConverter(BaseConverter):
    """A host slug in a page URL: slug-shaped and never a reserved top-level path, so
    ``/api/unknown`` stays an unmatched (problem+json) path instead of a host's page."""

    regex = (
        "(?!(?:" + "|".join(re.escape(slug) for slug in sorted(RESERVED_SLUGS)) + ")$)"
        "[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?"
    )


bp.record_once(lambda state: state.app.url_map.converters.update(host_slug=HostSlugConverter))
GOOGLE_CALENDAR_TEMPLATE = "https://calendar.google.com/calendar/render"


def location_kind_label(kind: str) -> str:
    """How a location kind reads on a page."""
    labels = {
        "google_meet": _("Google Meet video call"),
        "in_person": _("In person"),
        "phone": _("Phone call"),
        "custom": _("Details from the host"),
    }
    return labels.get(kind, kind)


def calendar_closed_text() -> str:
    """Why nothing can be booked while Google cannot be asked (fail closed)."""
    return _(
        "The host's calendar cannot be checked right now, so no times are offered. "
        "Please try again later."
    )


def slot_taken_text() -> str:
    """What a visitor reads when the chosen time was taken meanwhile."""
    return _("Sorry, that time was just taken. Please pick another of the free times below.")


def page(template: str, status: int = 200, **context: Any) -> Response:
    """Render a page; personal pages are never stored by caches."""
    response = make_response(render_template(template, **context), status)
    if g.get("no_referrer"):
        response.headers["Cache-Control"] = "no-store"
    return response


def message_page(title: str, text: str, status: int) -> Response:
    """A page that only says something (not found, closed, already booked …)."""
    return page("pages/message.html", status, title=title, text=text)


def check_same_origin() -> None:
    """Refuse a form post sent from another site (the grant cookie is SameSite=Lax too).

    Raises:
        Forbidden: 403 when the Origin header names another origin.
    """
    origin = request.headers.get("Origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.host:
        raise Forbidden()


@bp.errorhandler(KalenoError)
def _kaleno_error(error: KalenoError) -> Response:
    if error.status == 404:
        return message_page(
            _("Page not found"), _("There is no booking page at this address."), 404
        )
    if error.slug == "processing-restricted":
        return message_page(
            _("Bookings paused"), _("This host is not taking bookings at the moment."), 409
        )
    return message_page(_("Something went wrong"), _("Please try again in a moment."), error.status)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    first = request.path.lstrip("/").split("/", 1)[0]
    if first in RESERVED_SLUGS or first in routed_top_level_paths():
        return http_problem(error)  # an unknown API path stays a problem+json answer
    if error.code == 403:
        return message_page(_("Not allowed"), _("This request was refused."), 403)
    return message_page(_("Page not found"), _("There is no page at this address."), 404)


@dataclass(frozen=True)
class BookingView:
    """A booking as the confirmation and manage pages show it."""

    id: uuid.UUID
    title: str
    host_name: str
    cancelled: bool
    start: datetime
    end: datetime
    customer_zone: str
    host_zone: str
    location_kind: str
    location: str | None
    meet_link: str | None
    cancellation_notice_minutes: int
    cancel_reason: str | None

    @property
    def manage_url(self) -> str:
        return manage_path(self.id)

    @property
    def ics_url(self) -> str:
        return f"{manage_path(self.id)}/booking.ics"

    @property
    def google_calendar_url(self) -> str:
        """An "add to Google Calendar" link (a link only: nothing is sent to Google)."""
        stamp = "%Y%m%dT%H%M%SZ"
        params = {
            "action": "TEMPLATE",
            "text": f"{self.title} ({self.host_name})" if self.host_name else self.title,
            "dates": f"{self.start.astimezone(UTC):{stamp}}/{self.end.astimezone(UTC):{stamp}}",
        }
        if self.location:
            params["location"] = self.location
        return f"{GOOGLE_CALENDAR_TEMPLATE}?{urlencode(params)}"


def booking_view(booking: Booking, event_type: EventType, host: User) -> BookingView:
    """What the customer sees of ``booking`` (location details are theirs once booked)."""
    return BookingView(
        id=booking.id,
        title=event_type.title,
        host_name=host.name or "",
        cancelled=booking.status == "cancelled",
        start=booking.start_at,
        end=booking.end_at,
        customer_zone=booking.customer_timezone or "UTC",
        host_zone=host.timezone,
        location_kind=event_type.location_kind,
        location=booking_location(booking, event_type),
        meet_link=booking.google_meet_link,
        cancellation_notice_minutes=event_type.cancellation_notice_minutes,
        cancel_reason=booking.cancel_reason,
    )
