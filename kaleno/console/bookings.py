"""Bookings in the console: upcoming and past, by status, with Google sync state; cancel,
move and retry a failed sync as the host."""

from __future__ import annotations

import contextlib
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, redirect, request, url_for
from pydantic import ValidationError
from werkzeug.wrappers import Response as BaseResponse

from kaleno.bookings import changes
from kaleno.bookings.access import Access
from kaleno.bookings.errors import BookingCancelled, SlotUnavailable
from kaleno.bookings.listing import list_bookings
from kaleno.bookings.schemas import BookingListQuery
from kaleno.bookings.sync_job import enqueue_sync
from kaleno.clock import current_time
from kaleno.console.common import bp, console_page, host
from kaleno.console.confirm import confirm_page, confirmed
from kaleno.errors import NotFound, ValidationProblem
from kaleno.extensions import db
from kaleno.i18n import _
from kaleno.models import Booking, EventType, User
from kaleno.pages.common import calendar_closed_text, slot_taken_text
from kaleno.pages.forms import parse_reschedule
from kaleno.pages.picker import CLOSED, build_picker, zone_options

WHEN = ("upcoming", "past")
STATUSES = ("confirmed", "cancelled")
PAGE_SIZE = 50  # bookings per console page; "More bookings" continues


def sync_words(state: str, error: str | None) -> str:
    """A booking's Google sync state as the host reads it."""
    words = {
        "pending": _("Being written to Google Calendar."),
        "synced": _("In your Google Calendar."),
        "failed": _("Google Calendar could not be updated; you can try again."),
        "parked": _("Waiting: reconnect your calendar so Kaleno can update it."),
    }
    text = words.get(state, state)
    return f"{text} ({error})" if error and state in ("failed", "parked") else text


def _owned(user: User, booking_id: uuid.UUID) -> Booking:
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.host_id != user.id:
        raise NotFound("No such booking.")
    return booking


@bp.get("/bookings")
def bookings() -> Response:
    """List upcoming or past bookings, optionally only confirmed or cancelled ones."""
    user = host()
    when = request.args.get("when") if request.args.get("when") in WHEN else "upcoming"
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    now = current_time()
    bounds: dict[str, Any] = {"from": now} if when == "upcoming" else {"to": now}
    query = {**bounds, "status": status, "limit": PAGE_SIZE}
    cursor = request.args.get("cursor") or None
    try:
        page = list_bookings(
            user,
            BookingListQuery.model_validate({**query, "cursor": cursor}),
            newest_first=when == "past",
        )
    except (ValidationError, ValidationProblem):  # a cursor this page did not give: start over
        cursor = None
        page = list_bookings(
            user, BookingListQuery.model_validate(query), newest_first=when == "past"
        )
    items = page["items"]
    for item in items:
        item["start_at"] = datetime.fromisoformat(item["start"])
        item["sync_words"] = sync_words(item["google"]["sync"], item["google"]["error"])
    return console_page(
        "console/bookings.html",
        user,
        items=items,
        when=when,
        status_filter=status or "",
        done=request.args.get("done"),
        next_cursor=page["next_cursor"],
        paged=cursor is not None,
    )


@bp.post("/bookings/<uuid:booking_id>/cancel")
def cancel_booking(booking_id: uuid.UUID) -> BaseResponse:
    """Ask first; then cancel as the host (the customer is told, the event deleted)."""
    user = host()
    booking = _owned(user, booking_id)
    if not confirmed():
        return confirm_page(
            user,
            title=_("Cancel this booking?"),
            lines=[
                _(
                    "%(name)s, %(when)s.",
                    name=booking.customer_name or "",
                    when=_moment(booking, user),
                ),
                _("The customer is told by email and the event is removed from your calendar."),
            ],
            action=url_for("console.cancel_booking", booking_id=booking.id),
            button=_("Cancel the booking"),
            back=url_for("console.bookings"),
        )
    with contextlib.suppress(BookingCancelled):  # already cancelled: the list shows it so
        changes.cancel(Access(booking, "host"), None, current_time())
    return redirect(url_for("console.bookings", done="cancelled"), code=303)


def _moment(booking: Booking, user: User) -> str:
    from kaleno.i18n import moment_in

    return moment_in(booking.start_at, user.timezone)


@bp.get("/bookings/<uuid:booking_id>/move")
def move_form(booking_id: uuid.UUID) -> Response:
    """Offer the free times of the booking page, in the host's zone by default."""
    user = host()
    return _move_page(user, _owned(user, booking_id), {}, None)


def _move_page(
    user: User, booking: Booking, errors: dict[str, str], notice: str | None, status: int = 200
) -> Response:
    event_type = db.session.get(EventType, booking.event_type_id)
    assert event_type is not None  # foreign key
    picker = None
    if user.slug and not event_type.archived_at:
        try:
            picker = build_picker(
                user.slug,
                event_type.slug,
                user.timezone,
                request.values.get("tz") or user.timezone,
                request.values.get("date") or _local_day(booking, user),
                current_time(),
                moving=booking.id,
            )
        except (*CLOSED, NotFound):  # no free times to offer: the page says so
            picker = None
    return console_page(
        "console/move.html",
        user,
        status,
        booking=booking,
        host=user,
        picker=picker,
        zone_options=zone_options,
        errors=errors,
        notice=notice,
        values={},
    )


def _local_day(booking: Booking, user: User) -> str:
    return booking.start_at.astimezone(ZoneInfo(user.timezone)).date().isoformat()


@bp.post("/bookings/<uuid:booking_id>/move")
def move_booking(booking_id: uuid.UUID) -> BaseResponse:
    """Move the booking to a start the booking page offers (same rules as the API)."""
    user = host()
    booking = _owned(user, booking_id)
    start, errors = parse_reschedule(request.form)
    if start is None:
        return _move_page(user, booking, errors, None, 400)
    try:
        changes.reschedule(Access(booking, "host"), start, current_time())
    except SlotUnavailable:
        return _move_page(user, booking, {}, slot_taken_text(), 409)
    except BookingCancelled:
        return _move_page(user, booking, {}, _("A cancelled booking cannot be moved."), 409)
    except CLOSED:
        return _move_page(user, booking, {}, calendar_closed_text(), 503)
    return redirect(url_for("console.bookings", done="moved"), code=303)


@bp.post("/bookings/<uuid:booking_id>/retry")
def retry_sync(booking_id: uuid.UUID) -> BaseResponse:
    """Queue the booking's Google update again after it failed."""
    user = host()
    booking = _owned(user, booking_id)
    if booking.google_sync in ("failed", "parked"):
        enqueue_sync(booking, current_time())
    return redirect(url_for("console.bookings", done="retried"), code=303)
