"""The free-slots answer of a booking page, cached per host: the JSON route and the HTML
booking page both read it here, so they offer the very same times."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Row, Select, bindparam, select

from kaleno.extensions import db
from kaleno.grant.busy_cache import cached_text
from kaleno.grant.tokens import grant_usable
from kaleno.models import AvailabilityRules, EventType, GoogleConnection, User
from kaleno.models.google_connection import FREEBUSY_SCOPE
from kaleno.scheduling.fields import zone
from kaleno.scheduling.offered_slots import offered_slots
from kaleno.scheduling.public_slots import host_and_event_type, local_window, slots_by_day


def slots_text(
    host_slug: str,
    event_slug: str,
    first: date,
    last: date,
    tz: str | None,
    now: datetime,
    *,
    ignore_booking_id: uuid.UUID | None = None,
) -> str:
    """The slots document (JSON text) for ``first..last`` in zone ``tz`` (default: the host's).

    The finished answer is cached per host like its busy time, keyed on everything it
    depends on in the database (read in one query), so a booking, a settings change or a
    revoked grant is seen at once by every worker. "Now" is taken at the next whole
    minute, so answers within a minute are shared and minimum notice is never undercut.
    ``ignore_booking_id`` leaves that booking's own time free (its reschedule picker).

    Raises:
        NotFound / HostRestricted / CalendarNotConnected / CalendarRevoked /
            ScopeNotGranted / GoogleUnavailable / CalendarUnreadable: as ``offered_slots``.
    """
    now = _next_minute(now)
    state = db.session.execute(
        _PAGE_STATE, {"host_slug": host_slug, "event_slug": event_slug}
    ).one_or_none()

    def build() -> str:
        host, event_type = host_and_event_type(host_slug, event_slug)
        zone_name = tz or host.timezone
        customer_zone = zone(zone_name)
        window_start, window_end = local_window(first, last, customer_zone)
        slots = offered_slots(
            host, event_type, window_start, window_end, now, ignore_booking_id=ignore_booking_id
        )
        days = slots_by_day(slots, first, last, customer_zone)
        # The same bytes Flask's jsonify would send (compact, sorted keys, newline).
        document = {"timezone": zone_name, "days": days}
        return json.dumps(document, separators=(",", ":"), sort_keys=True) + "\n"

    if state is None or not _servable(state):
        return build()  # raises the page's problem (404, restricted, grant unusable)
    parts = [str(value) for value in state]
    parts += [tz or "", first.isoformat(), last.isoformat(), now.isoformat()]
    parts += [str(ignore_booking_id or "")]
    return cached_text(state.host_id, parts, build)


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
            # One column, bumped with every booking change: the key costs the same
            # whether the host has a thousand bookings behind them or a million.
            cast(Any, User.bookings_version),
        )
        .join(EventType, EventType.user_id == User.id)
        .outerjoin(GoogleConnection, GoogleConnection.user_id == User.id)
        .outerjoin(AvailabilityRules, AvailabilityRules.user_id == User.id)
        .where(
            User.slug == bindparam("host_slug"),
            EventType.slug == bindparam("event_slug"),
            EventType.bookable,
        )
    )


_PAGE_STATE = _page_state()


def _servable(state: Row[Any]) -> bool:
    """Whether a cached answer may be served: page open and the grant usable for free/busy."""
    scopes = (state.granted_scopes or "").split()
    return state.restricted_at is None and grant_usable(
        state.status, bool(state.has_refresh), scopes, FREEBUSY_SCOPE
    )


def _next_minute(moment: datetime) -> datetime:
    floor = moment.replace(second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(minutes=1)
