"""Event types in the console: list with public links, create, edit, archive."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, redirect, request, url_for
from pydantic import ValidationError
from werkzeug.wrappers import Response as BaseResponse

from kaleno.clock import current_time
from kaleno.console.common import bp, console_page, form_errors, host
from kaleno.console.confirm import confirm_page, confirmed
from kaleno.i18n import _
from kaleno.models import EventType, User
from kaleno.scheduling.event_type_service import (
    archive_event_type,
    create_event_type,
    live_event_types,
    owned_event_type,
    update_event_type,
)
from kaleno.scheduling.event_type_shapes import EventTypeIn, column_values
from kaleno.scheduling.fields import SlugTaken

NUMBERS = (
    "duration_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "min_notice_minutes",
    "horizon_days",
    "slot_interval_minutes",
    "max_per_day",
    "cancellation_notice_minutes",
)
TEXTS = ("title", "slug", "description", "location_kind", "location_address", "location_details")
DEFAULTS = {
    "duration_minutes": "30",
    "buffer_before_minutes": "0",
    "buffer_after_minutes": "0",
    "min_notice_minutes": "0",
    "horizon_days": "60",
    "slot_interval_minutes": "30",
    "max_per_day": "",
    "cancellation_notice_minutes": "0",
    "reminders_minutes": "1440",
    "location_kind": "google_meet",
    "active": "yes",
}


def _messages() -> dict[str, str]:
    return {
        "title": _("Enter a title of at most 100 characters."),
        "slug": _("Use lowercase letters, digits and hyphens; each event type needs its own."),
        "duration_minutes": _("A whole number of minutes from 5 to 720."),
        "buffer_before_minutes": _("A whole number of minutes from 0 to 240."),
        "buffer_after_minutes": _("A whole number of minutes from 0 to 240."),
        "min_notice_minutes": _("A whole number of minutes from 0 to 86400."),
        "horizon_days": _("A whole number of days from 1 to 730."),
        "slot_interval_minutes": _("A whole number of minutes from 5 to 720."),
        "max_per_day": _("Empty for no limit, or a whole number from 1 to 100."),
        "cancellation_notice_minutes": _("A whole number of minutes from 0 to 43200."),
        "reminders_minutes": _("Up to 5 different numbers of minutes, from 5 to 43200."),
        "location": _("An address is needed for a meeting in person."),
        "location_address": _("An address is needed for a meeting in person."),
    }


def _form_of(event_type: EventType) -> dict[str, str]:
    form = {
        name: "" if getattr(event_type, name) is None else str(getattr(event_type, name))
        for name in NUMBERS
    }
    form.update(
        title=event_type.title,
        slug=event_type.slug,
        description=event_type.description or "",
        location_kind=event_type.location_kind,
        location_address=event_type.location_address or "",
        location_details=event_type.location_details or "",
        reminders_minutes=", ".join(str(m) for m in event_type.reminders_minutes or []),
        active="yes" if event_type.active else "",
    )
    return form


def _values(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The API document for the posted form, and the fields that are not numbers."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    messages = _messages()
    for name in NUMBERS:
        raw = form[name].strip()
        if not raw and name == "max_per_day":
            values[name] = None
        elif raw.isdigit():
            values[name] = int(raw)
        else:
            errors[name] = messages[name]
    reminders = [r.strip() for r in form["reminders_minutes"].split(",") if r.strip()]
    if all(r.isdigit() for r in reminders):
        values["reminders_minutes"] = [int(r) for r in reminders]
    else:
        errors["reminders_minutes"] = messages["reminders_minutes"]
    values["title"], values["slug"] = form["title"].strip(), form["slug"].strip()
    values["description"] = form["description"].strip()
    location: dict[str, str] = {"kind": form["location_kind"]}
    for part in ("address", "details"):
        if form[f"location_{part}"].strip():
            location[part] = form[f"location_{part}"].strip()
    values["location"], values["active"] = location, form["active"] == "yes"
    return values, errors


def _render(
    user: User,
    form: dict[str, str],
    errors: dict[str, str],
    event_type: EventType | None,
    status: int = 200,
) -> Response:
    return console_page(
        "console/event_type_form.html",
        user,
        status,
        form=form,
        errors=errors,
        event_type=event_type,
        kinds=(
            ("google_meet", _("Google Meet video call")),
            ("in_person", _("In person")),
            ("phone", _("Phone call")),
            ("custom", _("Details from the host")),
        ),
    )


@bp.get("/event-types")
def event_types() -> Response:
    """List the live event types, each with its public link."""
    user = host()
    return console_page(
        "console/event_types.html",
        user,
        event_types=live_event_types(user),
        done=request.args.get("done"),
    )


@bp.get("/event-types/new")
def new_event_type() -> Response:
    """The empty form with the API's defaults."""
    return _render(host(), {**{name: "" for name in (*NUMBERS, *TEXTS)}, **DEFAULTS}, {}, None)


def _save(event_type_id: uuid.UUID | None) -> BaseResponse:
    user = host()
    event_type = owned_event_type(user, event_type_id) if event_type_id else None
    names = (*NUMBERS, *TEXTS, "reminders_minutes", "active")
    form = {name: request.form.get(name, "") for name in names}
    values, errors = _values(form)
    if errors:
        return _render(user, form, errors, event_type, 400)
    try:
        body = EventTypeIn.model_validate(values)
        columns = column_values({name: getattr(body, name) for name in EventTypeIn.model_fields})
        if event_type is None:
            create_event_type(user, columns)
        else:
            update_event_type(user, event_type, columns)
    except ValidationError as error:
        found = form_errors(error, _messages())
        if "location" in found:
            found["location_address"] = found.pop("location")
        return _render(user, form, found, event_type, 400)
    except SlugTaken:
        taken = {"slug": _("You already have an event type with this address; choose another.")}
        return _render(user, form, taken, event_type, 409)
    return redirect(url_for("console.event_types", done="saved"), code=303)


@bp.post("/event-types/new")
def create() -> BaseResponse:
    """Create an event type with the same rules as ``POST /api/event-types``."""
    return _save(None)


@bp.get("/event-types/<uuid:event_type_id>")
def edit_event_type(event_type_id: uuid.UUID) -> Response:
    """The form filled with the event type's rules."""
    user = host()
    event_type = owned_event_type(user, event_type_id)
    return _render(user, _form_of(event_type), {}, event_type)


@bp.post("/event-types/<uuid:event_type_id>")
def update(event_type_id: uuid.UUID) -> BaseResponse:
    """Change an event type with the same rules as ``PATCH /api/event-types/{id}``."""
    return _save(event_type_id)


@bp.post("/event-types/<uuid:event_type_id>/archive")
def archive(event_type_id: uuid.UUID) -> BaseResponse:
    """Ask first; then archive (its bookings stay, its page goes)."""
    user = host()
    event_type = owned_event_type(user, event_type_id)
    if not confirmed():
        return confirm_page(
            user,
            title=_("Archive “%(title)s”?", title=event_type.title),
            lines=[_("Its booking page goes away. Bookings already made stay as they are.")],
            action=url_for("console.archive", event_type_id=event_type.id),
            button=_("Archive"),
            back=url_for("console.event_types"),
        )
    archive_event_type(event_type, current_time())
    return redirect(url_for("console.event_types", done="archived"), code=303)
