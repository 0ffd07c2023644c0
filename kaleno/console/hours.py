"""Weekly hours, date overrides and the calendars that block slots, as plain text fields.

Each weekday is one field of intervals (``09:00-12:00, 13:00-24:00``); each override one
line (``2026-12-24 closed`` or ``2026-12-31 10:00-14:00``). The page needs no script, and
the document is checked by the API's own ``Availability`` model.
"""

from __future__ import annotations

import re
from typing import Any

from babel.dates import get_day_names
from flask import Response, redirect, request, url_for
from pydantic import ValidationError
from werkzeug.wrappers import Response as BaseResponse

from kaleno.console.common import bp, console_page, host
from kaleno.grant import busy_cache
from kaleno.i18n import _, format_locale
from kaleno.models import User
from kaleno.scheduling.availability_rules import availability_document, replace_availability
from kaleno.scheduling.availability_shapes import WEEKDAYS, Availability, overlap_problems

_INTERVAL = re.compile(r"^(\d{1,2}:\d{2})\s*[-\u2013]\s*(\d{1,2}:\d{2})$")
CLOSED_WORDS = ("closed", "tutup")


def _intervals_text(intervals: list[dict[str, str]]) -> str:
    return ", ".join(f"{i['start']}-{i['end']}" for i in intervals)


def _parse_intervals(text: str) -> list[dict[str, str]] | None:
    """``09:00-12:00, 13:00-17:00`` as interval dicts; None when a piece is not one."""
    found = []
    for piece in (p.strip() for p in text.split(",")):
        if not piece:
            continue
        match = _INTERVAL.match(piece)
        if match is None:
            return None
        start, end = (value.zfill(5) for value in match.groups())
        found.append({"start": start, "end": end})
    return found


def _parse_overrides(text: str) -> list[dict[str, Any]] | None:
    overrides: list[dict[str, Any]] = []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        day, _sep, rest = line.partition(" ")
        rest = rest.strip()
        intervals = [] if rest.lower() in CLOSED_WORDS else _parse_intervals(rest)
        if intervals is None or (not intervals and rest.lower() not in CLOSED_WORDS):
            return None
        overrides.append({"date": day, "intervals": intervals})
    return overrides


def _form_of(document: dict[str, Any]) -> dict[str, str]:
    form = {day: _intervals_text(document["weekly"][day]) for day in WEEKDAYS}
    form["overrides"] = "\n".join(
        f"{o['date']} {_intervals_text(o['intervals']) or 'closed'}" for o in document["overrides"]
    )
    form["calendars"] = ", ".join(document["calendars"])
    return form


def _render(
    user: User, form: dict[str, str], errors: dict[str, str], status: int = 200
) -> Response:
    names = get_day_names("wide", locale=format_locale())
    return console_page(
        "console/hours.html",
        user,
        status,
        days=[(day, str(names[index])) for index, day in enumerate(WEEKDAYS)],
        form=form,
        errors=errors,
        saved=request.args.get("saved") == "1",
    )


@bp.get("/hours")
def hours() -> Response:
    """Show the weekly hours, overrides and blocking calendars in editable form."""
    user = host()
    return _render(user, _form_of(availability_document(user)), {})


def _field_of(path: str) -> str:
    parts = path.split(".")
    return parts[1] if parts[0] == "weekly" and len(parts) > 1 else parts[0]


@bp.post("/hours")
def save_hours() -> BaseResponse:
    """Replace the availability with the same checks as ``PUT /api/availability``."""
    user = host()
    form = {name: request.form.get(name, "") for name in (*WEEKDAYS, "overrides", "calendars")}
    errors: dict[str, str] = {}
    weekly: dict[str, Any] = {}
    for day in WEEKDAYS:
        parsed = _parse_intervals(form[day])
        if parsed is None:
            errors[day] = _("Write times like 09:00-12:00, 13:00-17:00 (24:00 for midnight).")
        weekly[day] = parsed or []
    overrides = _parse_overrides(form["overrides"])
    if overrides is None:
        errors["overrides"] = _(
            "Write one date per line: 2026-12-24 closed, or 2026-12-31 10:00-14:00."
        )
    calendars = [c.strip() for c in form["calendars"].split(",") if c.strip()] or ["primary"]
    if errors:
        return _render(user, form, errors, 400)
    document = {
        "timezone": user.timezone,
        "weekly": weekly,
        "overrides": overrides,
        "calendars": calendars,
    }
    messages = {
        **{day: _("Times must be real, end after they start and not overlap.") for day in WEEKDAYS},
        "overrides": _("Each date once, real times that end after they start and do not overlap."),
        "calendars": _("List each calendar once."),
    }
    try:
        body = Availability.model_validate(document)
    except ValidationError as error:
        paths = [".".join(str(p) for p in item["loc"]) for item in error.errors()]
        return _render(
            user,
            form,
            {
                _field_of(p): messages.get(_field_of(p)) or _("This value is not valid.")
                for p in paths
            },
            400,
        )
    problems = overlap_problems(body)
    if problems:
        return _render(
            user, form, {_field_of(p): messages[_field_of(p)] for p, _m in problems}, 400
        )
    replace_availability(user, body)
    busy_cache.invalidate(user.id)
    return redirect(url_for("console.hours", saved="1"), code=303)
