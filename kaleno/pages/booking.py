"""``/{host_slug}`` and ``/{host_slug}/{event_slug}``: choose a time, book, see it confirmed."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, current_app, g, make_response, render_template, request
from werkzeug.exceptions import NotFound

from kaleno.bookings import service
from kaleno.bookings.errors import IdempotencyKeyInUse, IdempotencyKeyReused, SlotUnavailable
from kaleno.clock import current_time
from kaleno.extensions import db
from kaleno.i18n import _
from kaleno.models import Booking, EventType, User
from kaleno.pages.common import (
    booking_view,
    bp,
    calendar_closed_text,
    check_same_origin,
    location_kind_label,
    message_page,
    page,
    slot_taken_text,
)
from kaleno.pages.forms import booking_values, field_labels, new_form_key, parse_booking
from kaleno.pages.fragments import unfilled_page
from kaleno.pages.grants import grant
from kaleno.pages.picker import CLOSED, build_picker, parse_zone, zone_options
from kaleno.scheduling.profile import routed_top_level_paths
from kaleno.scheduling.public_slots import (
    bookable_event_types,
    host_and_event_type,
    public_host,
)


@bp.before_request
def _not_a_reserved_path() -> None:
    """A path under a reserved or routed top-level segment is never a host's page."""
    slug = (request.view_args or {}).get("host_slug")
    if slug is not None and slug in routed_top_level_paths():
        raise NotFound()


def _embeddable(host: User) -> None:
    g.frame_ancestors = tuple(host.embed_origins or ())


@bp.get("/<host_slug:host_slug>")
def host_page(host_slug: str) -> Response:
    """Show the host's name and bookable event types."""
    host = public_host(host_slug)
    _embeddable(host)
    return page(
        "pages/host.html",
        host=host,
        event_types=bookable_event_types(host),
        kind_label=location_kind_label,
    )


def _booking_page(
    host: User,
    event_type: EventType,
    *,
    raw_zone: str | None,
    raw_day: str | None,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
) -> Response:
    picker = build_picker(
        host.slug or "", event_type.slug, host.timezone, raw_zone, raw_day, current_time()
    )
    if picker.closed and status < 400:
        status = 503

    def render(form_key: str) -> str:
        return render_template(
            "pages/book.html",
            host=host,
            event_type=event_type,
            picker=picker,
            zone_options=zone_options,
            values=values or {},
            errors=errors or {},
            labels=field_labels(),
            notice=notice,
            form_key=form_key,
            kind_label=location_kind_label,
            page_has_errors=bool(errors),
        )

    if values or errors or notice or picker.closed:  # personal, or to be asked again
        return make_response(render(new_form_key()), status)
    return make_response(unfilled_page(picker, host, event_type, render), status)


@bp.get("/<host_slug:host_slug>/<event_slug>")
def booking_page(host_slug: str, event_slug: str) -> Response:
    """Show the days with free times in the visitor's zone, and the booking form."""
    host, event_type = host_and_event_type(host_slug, event_slug)
    _embeddable(host)
    return _booking_page(
        host, event_type, raw_zone=request.args.get("tz"), raw_day=request.args.get("date")
    )


@bp.post("/<host_slug:host_slug>/<event_slug>")
def book(host_slug: str, event_slug: str) -> Response:
    """Book the chosen time, or show the form again with what to correct."""
    check_same_origin()
    host, event_type = host_and_event_type(host_slug, event_slug)
    _embeddable(host)
    form = request.form
    picker_zone, day = form.get("tz"), form.get("date")
    again: dict[str, Any] = {"raw_zone": picker_zone, "raw_day": day}
    values = booking_values(form)
    body, errors = parse_booking(form, _zone_of(host, picker_zone))
    if body is None:
        return _booking_page(host, event_type, **again, status=400, values=values, errors=errors)
    key = form.get("key", "")
    if not 0 < len(key) <= 64:
        key = new_form_key()  # a form from before keys existed: still books once per post
    try:
        answer = service.book(host_slug, event_slug, key, body, current_time())
    except SlotUnavailable:
        text = slot_taken_text()
        return _booking_page(host, event_type, **again, status=409, values=values, notice=text)
    except IdempotencyKeyReused:
        text = _("This form was already sent with other details. Please check them and book again.")
        return _booking_page(host, event_type, **again, status=422, values=values, notice=text)
    except IdempotencyKeyInUse:
        return message_page(
            _("Booking in progress"),
            _("Your booking is being made. Its confirmation will arrive by email."),
            409,
        )
    except CLOSED:
        text = calendar_closed_text()
        return _booking_page(host, event_type, **again, status=503, values=values, notice=text)
    if answer.replayed or "manage_token" not in answer.body:
        return message_page(
            _("Already booked"),
            _(
                "This booking was already made. "
                "The link to manage it is in your confirmation email."
            ),
            200,
        )
    return _confirmation(answer.body["id"], str(answer.body["manage_token"]))


def _zone_of(host: User, picker_zone: str | None) -> str:
    return parse_zone(picker_zone, host.timezone)[0]


def _confirmation(booking_id: str, token: str) -> Response:
    booking = db.session.get(Booking, uuid.UUID(booking_id))
    assert booking is not None  # just committed by this request
    event_type = db.session.get(EventType, booking.event_type_id)
    host = db.session.get(User, booking.host_id)
    assert event_type is not None and host is not None
    g.no_referrer = True  # the page shows the manage link
    base = str(current_app.config["BASE_URL"])
    response = page(
        "pages/confirmed.html",
        booking=booking_view(booking, event_type, host),
        manage_link=f"{base}/m/{token}",
        kind_label=location_kind_label,
    )
    grant(response, booking.id)  # the .ics link and "manage now" work at once
    return response
