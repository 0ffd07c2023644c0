"""RFC 3339 parsing and Google's timestamp formats."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kaleno.emulator.errors import invalid, required

UTC = dt.UTC


def parse_rfc3339(value: str, location: str) -> dt.datetime:
    """Parse an RFC 3339 timestamp with offset into an aware UTC datetime.

    Raises:
        CalendarError: 400 invalid when the value is malformed or has no offset.
    """
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError as exc:
        raise invalid(f"Bad Request: invalid {location} value", location) from exc
    if parsed.tzinfo is None:
        raise invalid(f"Bad Request: {location} needs a time zone offset", location)
    return parsed.astimezone(UTC)


def zone(name: str, location: str = "timeZone") -> ZoneInfo:
    """Return the IANA zone ``name``.

    Raises:
        CalendarError: 400 invalid for an unknown zone.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise invalid("Invalid time zone definition.", location) from exc


def event_time(value: Any, which: str, default_zone: str) -> dt.datetime:
    """Resolve an EventDateTime (``dateTime`` or all-day ``date``) to UTC.

    Raises:
        CalendarError: 400 when the field is missing or malformed.
    """
    if not isinstance(value, dict) or not (value.get("dateTime") or value.get("date")):
        raise required(f"Missing {which} time.")
    zone_name = value.get("timeZone") or default_zone
    if value.get("dateTime"):
        raw = str(value["dateTime"])
        try:
            parsed = dt.datetime.fromisoformat(raw.replace("z", "Z"))
        except ValueError as exc:
            raise invalid(f"Invalid {which} time.") from exc
        if parsed.tzinfo is None:
            if not value.get("timeZone"):
                raise required(f"Missing time zone definition for {which} time.")
            parsed = parsed.replace(tzinfo=zone(zone_name))
        return parsed.astimezone(UTC)
    try:
        day = dt.date.fromisoformat(str(value["date"]))
    except ValueError as exc:
        raise invalid(f"Invalid {which} time.") from exc
    return dt.datetime.combine(day, dt.time(), zone(zone_name)).astimezone(UTC)


def google_timestamp(moment: dt.datetime, millis: bool = True) -> str:
    """Format like Google's ``created``/``updated``: UTC with milliseconds and ``Z``."""
    moment = moment.astimezone(UTC)
    if not millis:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def busy_timestamp(moment: dt.datetime, tz_name: str) -> str:
    """Format a freeBusy busy bound: ``...Z`` in UTC, else the zone's offset."""
    if tz_name == "UTC":
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.astimezone(ZoneInfo(tz_name)).isoformat(timespec="seconds")
