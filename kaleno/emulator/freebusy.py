"""freebusy.query: busy intervals from opaque, non-cancelled events, clipped and merged.

Recurring events count once per instance (RRULE/RDATE/EXDATE, overrides replace or
cancel single instances); working-location events and invitations the owner declined
never make the owner busy.

All functions expect ``state.lock`` to be held by the caller.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kaleno.emulator.errors import invalid, required, time_range_empty
from kaleno.emulator.recurrence import Span, instances, override_key
from kaleno.emulator.state import Account, Calendar, EmulatorState
from kaleno.emulator.timeutil import (
    busy_timestamp,
    event_time,
    google_timestamp,
    parse_rfc3339,
    zone,
)

# Not confirmed from a Google source: the longest range Google accepts and the reason it
# gives beyond it. We answer 400 ``invalid`` past 90 days.
MAX_RANGE = dt.timedelta(days=90)
MAX_CALENDARS = 50


def owned_calendar(state: EmulatorState, account: Account, calendar_id: str) -> Calendar | None:
    """Resolve ``primary``, the account email or a secondary id to a calendar it owns."""
    key = account.email if calendar_id == "primary" else calendar_id
    calendar = state.calendars.get(key)
    if calendar is None or calendar.owner_email != account.email:
        return None
    return calendar


def blocks_time(event: dict[str, Any]) -> bool:
    """Whether an event makes its calendar's owner busy."""
    if event.get("status") == "cancelled" or event.get("transparency") == "transparent":
        return False
    if event.get("eventType") == "workingLocation":  # where one works, not a meeting
        return False
    mine = [a for a in event.get("attendees") or [] if a.get("self")]
    return not (mine and mine[0].get("responseStatus") == "declined")


def _event_spans(calendar: Calendar, time_min: dt.datetime, time_max: dt.datetime) -> list[Span]:
    tz = calendar.time_zone
    overridden = {key for e in calendar.events.values() if (key := override_key(e, tz)) is not None}
    spans: list[Span] = []
    for event_id, event in calendar.events.items():
        if not blocks_time(event):
            continue
        if event.get("recurrence") and not event.get("recurringEventId"):
            spans.extend(
                span
                for span in instances(event, tz, time_min, time_max)
                if (event_id, span[0]) not in overridden
            )
        else:
            spans.append(
                (event_time(event["start"], "start", tz), event_time(event["end"], "end", tz))
            )
    return spans


def busy_intervals(
    calendar: Calendar, time_min: dt.datetime, time_max: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Return merged busy intervals of the calendar within ``[time_min, time_max)``."""
    spans = []
    for start, end in _event_spans(calendar, time_min, time_max):
        start, end = max(start, time_min), min(end, time_max)
        if start < end:
            spans.append((start, end))
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def query_free_busy(state: EmulatorState, account: Account, body: Any) -> dict[str, Any]:
    """Answer a FreeBusyRequest for the calendars this account owns.

    Raises:
        CalendarError: 400 required/invalid/timeRangeEmpty for a bad request body.
    """
    if not isinstance(body, dict):
        raise invalid("Bad Request")
    for name in ("timeMin", "timeMax"):
        if not body.get(name):
            raise required(f"Missing {name} parameter.", name)
    time_min = parse_rfc3339(str(body["timeMin"]), "timeMin")
    time_max = parse_rfc3339(str(body["timeMax"]), "timeMax")
    if time_max <= time_min:
        raise time_range_empty()
    if time_max - time_min > MAX_RANGE:
        raise invalid("The requested time range is too long.", "timeMax")
    tz_name = str(body.get("timeZone") or "UTC")
    zone(tz_name)
    items = body.get("items") or []
    if not isinstance(items, list) or len(items) > MAX_CALENDARS:
        raise invalid("Invalid items value.", "items")
    calendars: dict[str, Any] = {}
    for item in items:
        calendar_id = str(item.get("id", "")) if isinstance(item, dict) else ""
        calendar = owned_calendar(state, account, calendar_id)
        if calendar is None:
            calendars[calendar_id] = {
                "errors": [{"domain": "global", "reason": "notFound"}],
                "busy": [],
            }
            continue
        busy = busy_intervals(calendar, time_min, time_max)
        calendars[calendar_id] = {
            "busy": [
                {"start": busy_timestamp(s, tz_name), "end": busy_timestamp(e, tz_name)}
                for s, e in busy
            ]
        }
    return {
        "kind": "calendar#freeBusy",
        "timeMin": google_timestamp(time_min, millis=False),
        "timeMax": google_timestamp(time_max, millis=False),
        "calendars": calendars,
    }
