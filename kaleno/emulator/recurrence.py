"""Recurring events as freeBusy sees them: RRULE/RDATE/EXDATE expansion (python-dateutil)
and per-instance overrides (``recurringEventId`` + ``originalStartTime``)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from kaleno.emulator.errors import CalendarError
from kaleno.emulator.timeutil import UTC, event_time, zone

Span = tuple[dt.datetime, dt.datetime]
# All-day EXDATE/RDATE values name dates; dateutil wants date-times in the event's zone.
_DATE_LINE = re.compile(r"^(EXDATE|RDATE);VALUE=DATE:(.*)$", re.IGNORECASE)


def override_key(event: dict[str, Any], default_zone: str) -> tuple[str, dt.datetime] | None:
    """``(parent id, original start in UTC)`` of an instance override, else None."""
    parent, original = event.get("recurringEventId"), event.get("originalStartTime")
    if not parent or not isinstance(original, dict):
        return None
    try:
        return str(parent), event_time(original, "originalStartTime", default_zone)
    except CalendarError:
        return None


def _rule_lines(recurrence: list[Any], zone_name: str) -> str:
    lines = []
    for raw in recurrence:
        line = str(raw).strip()
        match = _DATE_LINE.match(line)
        if match:
            values = ",".join(f"{v.strip()}T000000" for v in match.group(2).split(","))
            line = f"{match.group(1)};TZID={zone_name}:{values}"
        lines.append(line)
    return "\n".join(lines)


def _local_start(start: dict[str, Any], zone_name: str) -> dt.datetime:
    """The series' first start in its own zone (wall-clock times repeat there)."""
    tz = zone(zone_name)
    if start.get("dateTime"):
        return event_time(start, "start", zone_name).astimezone(tz)
    return dt.datetime.combine(dt.date.fromisoformat(str(start["date"])), dt.time(), tz)


def instances(
    event: dict[str, Any], default_zone: str, time_min: dt.datetime, time_max: dt.datetime
) -> list[Span]:
    """Every instance of a recurring event overlapping ``[time_min, time_max)``, in UTC.

    A recurrence dateutil cannot read counts as its first instance only.
    """
    zone_name = str(event["start"].get("timeZone") or default_zone)
    first = _local_start(event["start"], zone_name)
    duration = event_time(event["end"], "end", zone_name) - first.astimezone(UTC)
    try:
        rules = rrulestr(
            _rule_lines(list(event.get("recurrence") or []), zone_name),
            dtstart=first,
            forceset=True,
            tzids=ZoneInfo,
        )
        starts = rules.between(time_min - duration, time_max, inc=True)
    except (ValueError, TypeError):
        starts = [first]
    return [(s.astimezone(UTC), s.astimezone(UTC) + duration) for s in starts]
