"""Form posts of the customer's pages, checked by the API's own request models; each
problem becomes a message for the field it belongs to, in the visitor's language."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from kaleno.bookings.schemas import BookingRequest, CancelRequest, RescheduleRequest
from kaleno.i18n import _

BOOKING_FIELDS = ("start", "name", "email", "phone", "notes")
MAX_NOTES = 2000
MAX_REASON = 500


def field_labels() -> dict[str, str]:
    """The visible label of each form field."""
    return {
        "start": _("Time"),
        "name": _("Name"),
        "email": _("Email"),
        "phone": _("Phone"),
        "notes": _("Notes"),
        "reason": _("Reason"),
    }


def _message(field: str) -> str:
    messages = {
        "start": _("Pick one of the free times."),
        "name": _("Enter your name (at most 200 characters)."),
        "email": _("Enter an email address like name@example.com."),
        "phone": _("Enter a phone number: digits, spaces and + ( ) - . only."),
        "notes": _("Notes can be at most %(num)d characters.", num=MAX_NOTES),
        "reason": _("The reason can be at most %(num)d characters.", num=MAX_REASON),
    }
    return messages.get(field, _("Check this field."))


def _errors(error: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else "start"
        errors.setdefault(name, _message(name))
    return errors


def new_form_key() -> str:
    """A fresh idempotency key for one rendered booking form."""
    return uuid.uuid4().hex


def booking_values(form: Mapping[str, str]) -> dict[str, str]:
    """The visitor's input, kept to fill the form again."""
    return {name: form.get(name, "").strip() for name in BOOKING_FIELDS}


def parse_booking(
    form: Mapping[str, str], zone: str
) -> tuple[BookingRequest | None, dict[str, str]]:
    """A ``BookingRequest`` from the form, or the messages per field."""
    values: dict[str, Any] = booking_values(form)
    for optional in ("phone", "notes"):
        values[optional] = values[optional] or None
    values["timezone"] = zone
    try:
        return BookingRequest.model_validate(values), {}
    except ValidationError as error:
        return None, _errors(error)


def parse_reschedule(form: Mapping[str, str]) -> tuple[datetime | None, dict[str, str]]:
    """The new start from the reschedule form, or a message for the time field."""
    try:
        return RescheduleRequest.model_validate({"start": form.get("start", "")}).start, {}
    except ValidationError:
        return None, {"start": _message("start")}


def parse_cancel(form: Mapping[str, str]) -> tuple[str | None, dict[str, str]]:
    """The optional cancellation reason, or a message for it."""
    try:
        reason = CancelRequest.model_validate({"reason": form.get("reason") or None}).reason
    except ValidationError:
        return None, {"reason": _message("reason")}
    return reason or None, {}
