"""The day and time picker: which days to show, in which zone, with which free times."""

from __future__ import annotations

import functools
import json
import uuid
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from markupsafe import Markup

from kaleno.grant.errors import (
    CalendarNotConnected,
    CalendarRevoked,
    GoogleRejected,
    GoogleUnavailable,
    ScopeNotGranted,
)
from kaleno.scheduling.fields import is_known_zone, zone
from kaleno.scheduling.offered_slots import CalendarUnreadable
from kaleno.scheduling.slot_answers import slots_text

WINDOW_DAYS = 14
_REGIONS = frozenset(
    {"Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian",
     "Pacific"}
)  # fmt: skip
# Google cannot be asked right now, or the host's grant does not allow it: offer nothing.
CLOSED = (
    CalendarNotConnected,
    CalendarRevoked,
    ScopeNotGranted,
    GoogleUnavailable,
    GoogleRejected,
    CalendarUnreadable,
)


@functools.cache
def zone_choices() -> tuple[str, ...]:
    """The zones offered in the picker: every canonical ``Region/City`` name, and UTC."""
    names = {
        name
        for name in zoneinfo.available_timezones()
        if name.split("/", 1)[0] in _REGIONS and is_known_zone(name)
    }
    return ("UTC", *sorted(names))


@functools.lru_cache(maxsize=64)
def zone_options(selected: str) -> Markup:
    """The picker's ``<option>`` list with ``selected`` marked, built once per zone (the
    list is long: rendering it in the template was most of the page's time)."""
    return Markup("").join(
        Markup("<option selected>{}</option>").format(name)
        if name == selected
        else Markup("<option>{}</option>").format(name)
        for name in zone_choices()
    )


@dataclass(frozen=True)
class Slot:
    """One free start: its RFC 3339 value and its instant."""

    value: str
    start: datetime


@dataclass
class Picker:
    """What the page shows: the zone, the window of days, the chosen day and its times."""

    zone: str
    zone_auto: bool
    first: date
    last: date
    today: date
    days: list[tuple[date, int]] = field(default_factory=list)  # (day, free times)
    selected: date | None = None
    slots: list[Slot] = field(default_factory=list)
    closed: bool = False
    source: str = ""  # the slots answer the picker was read from (a fragment cache key)
    zone_error: bool = False
    date_error: bool = False

    @property
    def previous(self) -> date | None:
        """The first day of the window before, if it is not in the past."""
        return self.first - timedelta(days=WINDOW_DAYS) if self.first > self.today else None

    @property
    def next(self) -> date:
        """The first day of the next window."""
        return self.last + timedelta(days=1)


def parse_zone(raw: str | None, default: str) -> tuple[str, bool, bool]:
    """``(zone, chosen, bad)``: the requested zone if known, else ``default``."""
    if not raw:
        return default, False, False
    if is_known_zone(raw):
        return raw, True, False
    return default, False, True


def parse_day(raw: str | None) -> tuple[date | None, bool]:
    """``(day, bad)`` from ``YYYY-MM-DD``."""
    if not raw:
        return None, False
    try:
        return date.fromisoformat(raw), False
    except ValueError:
        return None, True


def build_picker(
    host_slug: str,
    event_slug: str,
    host_zone: str,
    raw_zone: str | None,
    raw_day: str | None,
    now: datetime,
    *,
    moving: uuid.UUID | None = None,
) -> Picker:
    """Read the free times for the window holding the requested day, in the chosen zone;
    ``moving``: the booking being rescheduled, whose own time counts as free.

    Raises:
        NotFound / HostRestricted: the page does not exist or is closed.
    """
    zone_name, chosen, zone_error = parse_zone(raw_zone, host_zone)
    day, date_error = parse_day(raw_day)
    today = now.astimezone(zone(zone_name)).date()
    first = today
    if day is not None and day > today:
        first = today + timedelta(days=((day - today).days // WINDOW_DAYS) * WINDOW_DAYS)
    picker = Picker(
        zone=zone_name,
        zone_auto=not chosen and not zone_error,
        first=first,
        last=first + timedelta(days=WINDOW_DAYS - 1),
        today=today,
        zone_error=zone_error,
        date_error=date_error,
    )
    try:
        text = slots_text(
            host_slug,
            event_slug,
            picker.first,
            picker.last,
            zone_name,
            now,
            ignore_booking_id=moving,
        )
    except CLOSED:
        picker.closed = True
        return picker
    picker.source = text
    document = json.loads(text)
    by_day = {
        date.fromisoformat(entry["date"]): [
            Slot(slot["start"], datetime.fromisoformat(slot["start"])) for slot in entry["slots"]
        ]
        for entry in document["days"]
    }
    picker.days = [(listed, len(slots)) for listed, slots in by_day.items()]
    if day is not None and day in by_day:
        picker.selected = day
    else:
        picker.selected = next((listed for listed, slots in by_day.items() if slots), None)
    if picker.selected is not None:
        picker.slots = by_day[picker.selected]
    return picker
