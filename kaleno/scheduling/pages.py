"""Public booking pages: ``GET /api/pages/{host_slug}`` and its event types' free slots."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, current_app
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Row, Select, bindparam, func, select

from kaleno.api.spec import operation
from kaleno.auth.connection import current_time
from kaleno.availability.busy_cache import cached_text
from kaleno.availability.service import offered_slots
from kaleno.extensions import db
from kaleno.models import AvailabilityRules, Booking, EventType, GoogleConnection, User
from kaleno.models.google_connection import FREEBUSY_SCOPE
from kaleno.scheduling.fields import IanaZone, IsoDate, field_problem, zone
from kaleno.scheduling.public_slots import (
    EARLIEST,
    LATEST,
    MAX_RANGE_DAYS,
    host_and_event_type,
    local_window,
    page_document,
    public_host,
    slots_by_day,
)

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

    The finished answer is cached per host like its busy time, keyed on everything it
    depends on in the database (read in one query), so a booking, a settings change or a
    revoked grant is seen at once by every worker. "Now" is taken at the next whole
    minute, so answers within a minute are shared and minimum notice is never undercut.
    """
    first, last = query.from_, query.to
    _check_range(first, last)
    now = _next_minute(current_time())
    state = db.session.execute(
        _PAGE_STATE, {"host_slug": host_slug, "event_slug": event_slug}
    ).one_or_none()

    def build() -> str:
        host, event_type = host_and_event_type(host_slug, event_slug)
        zone_name = query.tz or host.timezone
        customer_zone = zone(zone_name)
        window_start, window_end = local_window(first, last, customer_zone)
        slots = offered_slots(host, event_type, window_start, window_end, now)
        days = slots_by_day(slots, first, last, customer_zone)
        # The same bytes Flask's jsonify would send (compact, sorted keys, newline).
        document = {"timezone": zone_name, "days": days}
        return json.dumps(document, separators=(",", ":"), sort_keys=True) + "\n"

    if state is None or not _servable(state):
        body = build()  # raises the page's problem (404, restricted, grant unusable)
    else:
        parts = [str(value) for value in state]
        parts += [query.tz or "", first.isoformat(), last.isoformat(), now.isoformat()]
        body = cached_text(state.host_id, parts, build)
    return current_app.response_class(body, mimetype="application/json")


def _page_state() -> Select[Any]:
    """Everything a slots answer depends on in the database, for one host and event type."""
    return (
        select(
            User.id.label("host_id"),
            User.timezone,
            User.restricted_at,
            EventType.id.label("event_type_id"),
            EventType.updated_at.label("event_type_changed"),
            GoogleConnection.status,
            GoogleConnection.granted_scopes,
            GoogleConnection.refresh_token_sealed.is_not(None).label("has_refresh"),
            AvailabilityRules.updated_at.label("rules_changed"),
            select(func.count(Booking.id))
            .where(Booking.host_id == User.id)
            .correlate(User)
            .scalar_subquery()
            .label("bookings"),
            select(func.max(Booking.updated_at))
            .where(Booking.host_id == User.id)
            .correlate(User)
            .scalar_subquery()
            .label("bookings_changed"),
        )
        .join(EventType, EventType.user_id == User.id)
        .outerjoin(GoogleConnection, GoogleConnection.user_id == User.id)
        .outerjoin(AvailabilityRules, AvailabilityRules.user_id == User.id)
        .where(
            User.slug == bindparam("host_slug"),
            EventType.slug == bindparam("event_slug"),
            EventType.active.is_(True),
            EventType.archived_at.is_(None),
        )
    )


_PAGE_STATE = _page_state()


def _servable(state: Row[Any]) -> bool:
    """Whether a cached answer may be served: page open and the grant usable for free/busy."""
    scopes = (state.granted_scopes or "").split()
    return (
        state.restricted_at is None
        and state.status == "connected"
        and bool(state.has_refresh)
        and FREEBUSY_SCOPE in scopes
    )


def _next_minute(moment: datetime) -> datetime:
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(minutes=1)


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
