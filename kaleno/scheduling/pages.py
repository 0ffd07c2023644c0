"""Public booking pages: ``GET /api/pages/{host_slug}`` and its event types' free slots."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, current_app
from pydantic import BaseModel, ConfigDict, Field

from kaleno.api.spec import operation
from kaleno.clock import current_time
from kaleno.scheduling.fields import IanaZone, IsoDate, field_problem
from kaleno.scheduling.public_slots import (
    EARLIEST,
    LATEST,
    MAX_RANGE_DAYS,
    page_document,
    public_host,
)
from kaleno.scheduling.slot_answers import slots_text

bp = Blueprint("pages", __name__, url_prefix="/api/pages")
TAGS = ("booking pages",)


class PublicLocation(BaseModel):
    kind: str
    address: str | None


class PublicEventType(BaseModel):
    slug: str
    title: str
    description: str
    duration_minutes: int
    location: PublicLocation


class PublicPage(BaseModel):
    """A host's public booking page."""

    name: str | None
    slug: str
    timezone: str
    event_types: list[PublicEventType]


class SlotsQuery(BaseModel):
    """Dates are the customer's local dates, both included; ``tz`` defaults to the host's."""

    model_config = ConfigDict(populate_by_name=True)

    from_: IsoDate = Field(alias="from")
    to: IsoDate
    tz: IanaZone | None = None


class SlotTimes(BaseModel):
    start: str
    end: str


class SlotDay(BaseModel):
    date: str
    slots: list[SlotTimes]


class Slots(BaseModel):
    """Free slots grouped by the customer's local date; every date in the range is listed."""

    timezone: str
    days: list[SlotDay]


@bp.get("/<host_slug>")
@operation(
    "A host's public page and bookable event types.",
    tags=TAGS,
    responses={200: PublicPage, 404: None},
)
def get_page(host_slug: str) -> dict[str, object]:
    """Show a host's booking page."""
    return page_document(public_host(host_slug))


@bp.get("/<host_slug>/<event_slug>/slots")
@operation(
    "Free slots of an event type between two dates (inclusive, at most 62 days).",
    tags=TAGS,
    query=SlotsQuery,
    responses={200: Slots, 400: None, 404: None, 409: None, 503: None},
)
def get_slots(host_slug: str, event_slug: str, query: SlotsQuery) -> Response:
    """List free slots by day in the customer's zone.

    The answer comes from ``slots_text`` (cached per host), shared with the booking page.
    """
    first, last = query.from_, query.to
    _check_range(first, last)
    body = slots_text(host_slug, event_slug, first, last, query.tz, current_time())
    return current_app.response_class(body, mimetype="application/json")


def _check_range(first: date, last: date) -> None:
    problems = []
    for name, value in (("from", first), ("to", last)):
        if not EARLIEST <= value <= LATEST:
            problems.append((name, f"must be between {EARLIEST} and {LATEST}"))
    if last < first:
        problems.append(("to", "must not be before from"))
    elif (last - first).days + 1 > MAX_RANGE_DAYS:
        problems.append(("to", f"the range may span at most {MAX_RANGE_DAYS} days"))
    if problems:
        raise field_problem(problems, "query")
