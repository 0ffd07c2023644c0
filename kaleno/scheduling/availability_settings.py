"""``GET/PUT /api/availability``: the host's weekly hours, overrides and calendars."""

from __future__ import annotations

from flask import Blueprint

from kaleno.api.spec import operation
from kaleno.auth.sessions import require_user
from kaleno.grant import busy_cache
from kaleno.scheduling.availability_rules import availability_document, replace_availability
from kaleno.scheduling.availability_shapes import Availability, AvailabilityOut, overlap_problems
from kaleno.scheduling.fields import field_problem

bp = Blueprint("availability", __name__, url_prefix="/api")


@bp.get("/availability")
@operation(
    "The host's weekly hours (host zone), date overrides and blocking calendars.",
    tags=("availability",),
    auth="session",
    responses={200: AvailabilityOut, 401: None},
)
def get_availability() -> dict[str, object]:
    """Show the host's availability."""
    return availability_document(require_user())


@bp.put("/availability")
@operation(
    "Replace the host's availability; the time zone is the host's profile zone.",
    tags=("availability",),
    auth="session",
    body=Availability,
    responses={200: AvailabilityOut, 400: None, 401: None, 403: None},
)
def put_availability(body: Availability) -> dict[str, object]:
    """Replace the host's availability and show it."""
    host = require_user()
    problems = overlap_problems(body)
    if problems:
        raise field_problem(problems)
    replace_availability(host, body)
    busy_cache.invalidate(host.id)  # the calendars that block slots may have changed
    return availability_document(host)
