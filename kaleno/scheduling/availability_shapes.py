"""The availability document: weekly hours, date overrides and blocking calendars."""

from __future__ import annotations

import itertools
from typing import Annotated

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from kaleno.scheduling.fields import ClockTime, IanaZone, IsoDate, StrictModel, clock_minutes

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_INTERVALS_PER_DAY = 24
MAX_OVERRIDES = 1000
CalendarId = Annotated[str, Field(min_length=1, max_length=255)]


class Interval(StrictModel):
    """Wall-clock ``[start, end)`` in the host's zone; ``end`` may be ``24:00``."""

    start: ClockTime
    end: ClockTime

    @field_validator("start")
    @classmethod
    def _start_in_day(cls, value: str) -> str:
        if value == "24:00":
            raise ValueError("a start must be before 24:00")
        return value

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, value: str, info: ValidationInfo) -> str:
        start = info.data.get("start")
        if start is not None and clock_minutes(value) <= clock_minutes(start):
            raise ValueError("end must be after start")
        return value


DayIntervals = Annotated[list[Interval], Field(max_length=MAX_INTERVALS_PER_DAY)]


class Weekly(StrictModel):
    """Intervals per weekday; a day left out or empty is closed."""

    monday: DayIntervals = []
    tuesday: DayIntervals = []
    wednesday: DayIntervals = []
    thursday: DayIntervals = []
    friday: DayIntervals = []
    saturday: DayIntervals = []
    sunday: DayIntervals = []


class Override(StrictModel):
    """Hours for one date instead of its weekday's; no intervals closes the day."""

    date: IsoDate
    intervals: DayIntervals = []


class Availability(StrictModel):
    """When the host can be booked, and which Google calendars block slots."""

    timezone: IanaZone
    weekly: Weekly
    overrides: Annotated[list[Override], Field(max_length=MAX_OVERRIDES)] = []
    calendars: Annotated[list[CalendarId], Field(min_length=1, max_length=10)] = ["primary"]


class AvailabilityOut(BaseModel):
    """The availability document as stored."""

    timezone: str
    weekly: dict[str, list[Interval]]
    overrides: list[Override]
    calendars: list[str]


def overlap_problems(document: Availability) -> list[tuple[str, str]]:
    """Name overlapping intervals, repeated override dates and repeated calendars."""
    problems: list[tuple[str, str]] = []
    for day in WEEKDAYS:
        problems += _overlaps(getattr(document.weekly, day), f"weekly.{day}")
    seen: dict[str, int] = {}
    for index, override in enumerate(document.overrides):
        key = override.date.isoformat()
        if key in seen:
            problems.append(
                (f"overrides.{index}.date", f"{key} is already in overrides.{seen[key]}")
            )
        seen.setdefault(key, index)
        problems += _overlaps(override.intervals, f"overrides.{index}.intervals")
    calendars: set[str] = set()
    for index, calendar_id in enumerate(document.calendars):
        if calendar_id in calendars:
            problems.append((f"calendars.{index}", "this calendar is listed twice"))
        calendars.add(calendar_id)
    return problems


def _overlaps(intervals: list[Interval], path: str) -> list[tuple[str, str]]:
    """Intervals may touch (12:00-13:00, 13:00-14:00) but not overlap."""
    ordered = sorted(enumerate(intervals), key=lambda item: clock_minutes(item[1].start))
    problems = []
    for (before_index, before), (index, current) in itertools.pairwise(ordered):
        if clock_minutes(current.start) < clock_minutes(before.end):
            problems.append(
                (
                    f"{path}.{index}.start",
                    f"overlaps {path}.{before_index} ({before.start}-{before.end})",
                )
            )
    return problems
