"""``/m/{token}`` and the manage pages: see, reschedule or cancel a booking, get its .ics.

The token leaves the address bar at once: ``/m/{token}`` trades it for a grant cookie
scoped to ``/m/b/{id}`` and redirects there. Every page under it sends no Referer and is
never stored by caches.
"""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from flask import Response, g, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from kaleno.bookings import changes
from kaleno.bookings.access import Access
from kaleno.bookings.errors import BookingCancelled, SlotUnavailable, TooLate
from kaleno.bookings.present import hash_manage_token
from kaleno.clock import current_time
from kaleno.extensions import db
from kaleno.i18n import _
from kaleno.ics import ICS_MIMETYPE, booking_ics
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
from kaleno.pages.forms import field_labels, parse_cancel, parse_reschedule
from kaleno.pages.grants import grant, granted
from kaleno.pages.picker import CLOSED, build_picker, zone_options

DONE = ("rescheduled", "cancelled")


@bp.before_app_request
def _private_pages() -> None:
    if request.path.startswith("/m/"):
        g.no_referrer = True


@bp.get("/m/<token>")
def trade_token(token: str) -> BaseResponse:
    """Trade the manage link's token for a grant cookie, then drop it from the address."""
    booking = (
        db.session.query(Booking)
        .filter(Booking.manage_token_hash == hash_manage_token(token))
        .one_or_none()
    )
    if booking is None:
        return message_page(
            _("Link not valid"),
            _("This manage link is not valid. Use the newest link from your confirmation email."),
            404,
        )
    response = redirect(url_for("customer.manage_page", booking_id=booking.id), code=303)
    response.headers["Cache-Control"] = "no-store"
    grant(response, booking.id)
    return response


def _load(booking_id: uuid.UUID) -> tuple[Booking, EventType, User] | Response:
    booking = db.session.get(Booking, booking_id) if granted(booking_id) else None
    if booking is None:
        return message_page(
            _("Open the link from your email"),
            _("To manage a booking, open the link in your confirmation email again."),
            403,
        )
    event_type = db.session.get(EventType, booking.event_type_id)
    host = db.session.get(User, booking.host_id)
    assert event_type is not None and host is not None  # foreign keys cascade
    return booking, event_type, host


def _manage(
    booking: Booking,
    event_type: EventType,
    host: User,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    reason: str = "",
) -> Response:
    now = current_time()
    view = booking_view(booking, event_type, host)
    notice_minutes = event_type.cancellation_notice_minutes
    changeable = not view.cancelled and (now.timestamp() + notice_minutes * 60) <= (
        booking.start_at.timestamp()
    )
    picker = None
    if changeable:
        zone_name = request.values.get("tz") or view.customer_zone
        # The days around the booked one first: moving is mostly by a little.
        booked_day = booking.start_at.astimezone(ZoneInfo(view.customer_zone)).date()
        picker = build_picker(
            host.slug or "",
            event_type.slug,
            host.timezone,
            zone_name,
            request.values.get("date") or booked_day.isoformat(),
            now,
            moving=booking.id,
        )
    done = request.args.get("done")
    return page(
        "pages/manage.html",
        status,
        booking=view,
        host=host,
        event_type=event_type,
        picker=picker,
        zone_options=zone_options,
        changeable=changeable,
        errors=errors or {},
        labels=field_labels(),
        notice=notice,
        done=done if done in DONE else None,
        reason=reason,
        kind_label=location_kind_label,
        page_has_errors=bool(errors),
    )


@bp.get("/m/b/<uuid:booking_id>")
def manage_page(booking_id: uuid.UUID) -> Response:
    """Show the booking with the ways to move or cancel it."""
    loaded = _load(booking_id)
    if isinstance(loaded, Response):
        return loaded
    return _manage(*loaded)


@bp.post("/m/b/<uuid:booking_id>/reschedule")
def reschedule(booking_id: uuid.UUID) -> BaseResponse:
    """Move the booking to the chosen time."""
    check_same_origin()
    loaded = _load(booking_id)
    if isinstance(loaded, Response):
        return loaded
    booking, event_type, host = loaded
    start, errors = parse_reschedule(request.form)
    if start is None:
        return _manage(booking, event_type, host, status=400, errors=errors)
    try:
        changes.reschedule(Access(booking, "customer"), start, current_time())
    except SlotUnavailable:
        text = slot_taken_text()
        return _manage(*_reload(booking_id), status=409, notice=text)
    except (TooLate, BookingCancelled) as error:
        return _manage(*_reload(booking_id), status=409, notice=_refusal(error))
    except CLOSED:
        text = calendar_closed_text()
        return _manage(*_reload(booking_id), status=503, notice=text)
    return _done(booking_id, "rescheduled")


@bp.post("/m/b/<uuid:booking_id>/cancel")
def cancel(booking_id: uuid.UUID) -> BaseResponse:
    """Cancel the booking, with an optional reason for the host."""
    check_same_origin()
    loaded = _load(booking_id)
    if isinstance(loaded, Response):
        return loaded
    booking, event_type, host = loaded
    reason, errors = parse_cancel(request.form)
    if errors:
        kept = request.form.get("reason", "")
        return _manage(booking, event_type, host, status=400, errors=errors, reason=kept)
    try:
        changes.cancel(Access(booking, "customer"), reason, current_time())
    except TooLate as error:
        return _manage(*_reload(booking_id), status=409, notice=_refusal(error))
    return _done(booking_id, "cancelled")


@bp.get("/m/b/<uuid:booking_id>/booking.ics")
def ics(booking_id: uuid.UUID) -> Response:
    """The booking as an iCalendar file (a cancellation once it is cancelled)."""
    loaded = _load(booking_id)
    if isinstance(loaded, Response):
        return loaded
    booking, event_type, host = loaded
    cancelled = booking.status == "cancelled"
    body = booking_ics(
        booking, event_type, host, method="CANCEL" if cancelled else "REQUEST", now=current_time()
    )
    response = Response(body, mimetype=ICS_MIMETYPE)
    response.headers["Content-Disposition"] = 'attachment; filename="booking.ics"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _reload(booking_id: uuid.UUID) -> tuple[Booking, EventType, User]:
    db.session.rollback()
    loaded = _load(booking_id)
    assert not isinstance(loaded, Response)  # the grant was checked on this request
    return loaded


def _refusal(error: TooLate | BookingCancelled) -> str:
    if isinstance(error, TooLate):
        return _("It is too late to change this booking here. Please contact the host.")
    return _("This booking is cancelled and cannot be moved.")


def _done(booking_id: uuid.UUID, what: str) -> BaseResponse:
    response = redirect(url_for("customer.manage_page", booking_id=booking_id, done=what), 303)
    response.headers["Cache-Control"] = "no-store"
    return response
