"""A host's stored availability: read with defaults, replace, and turn into a Schedule."""

from __future__ import annotations

from datetime import date
from typing import Any

from kaleno.extensions import db
from kaleno.models import AvailabilityRules, User
from kaleno.scheduling.availability_shapes import WEEKDAYS, Availability
from kaleno.scheduling.fields import clock_minutes, zone
from kaleno.slots.engine import Schedule, WallInterval

DEFAULT_CALENDARS = ("primary",)


def rules_of(host: User) -> AvailabilityRules | None:
    """The host's stored rules, or None when never set."""
    return db.session.query(AvailabilityRules).filter_by(user_id=host.id).one_or_none()


def availability_document(host: User) -> dict[str, Any]:
    """The ``GET /api/availability`` document (defaults when never set)."""
    rules = rules_of(host)
    weekly = rules.weekly if rules else {}
    return {
        "timezone": host.timezone,
        "weekly": {day: list(weekly.get(day, [])) for day in WEEKDAYS},
        "overrides": sorted(rules.overrides if rules else [], key=lambda o: str(o["date"])),
        "calendars": list(rules.calendar_ids if rules else DEFAULT_CALENDARS),
    }


def replace_availability(host: User, document: Availability) -> None:
    """Store the validated document: the host's zone, hours, overrides and calendars."""
    rules = rules_of(host)
    if rules is None:
        rules = AvailabilityRules(user_id=host.id)
        db.session.add(rules)
    dumped = document.model_dump(mode="json")
    host.timezone = document.timezone
    rules.weekly = {day: dumped["weekly"][day] for day in WEEKDAYS if dumped["weekly"][day]}
    rules.overrides = dumped["overrides"]
    rules.calendar_ids = dumped["calendars"]


def calendars_of(rules: AvailabilityRules | None) -> list[str]:
    """The Google calendar ids whose busy time blocks the host's slots."""
    return [str(c) for c in rules.calendar_ids] if rules else list(DEFAULT_CALENDARS)


def schedule_of(timezone: str, rules: AvailabilityRules | None) -> Schedule:
    """The engine's view of the host's hours (no rules: closed every day)."""
    weekly: dict[str, Any] = rules.weekly if rules else {}
    overrides: list[Any] = rules.overrides if rules else []
    return Schedule(
        zone(timezone),
        tuple(_intervals(weekly.get(day, [])) for day in WEEKDAYS),
        {date.fromisoformat(o["date"]): _intervals(o["intervals"]) for o in overrides},
    )


def has_working_time(schedule: Schedule) -> bool:
    """Whether any weekday or override has an interval at all."""
    return any(schedule.weekly) or any(schedule.overrides.values())


def _intervals(items: list[dict[str, str]]) -> tuple[WallInterval, ...]:
    return tuple(
        WallInterval(clock_minutes(item["start"]), clock_minutes(item["end"]))
        for item in sorted(items, key=lambda item: item["start"])
    )
