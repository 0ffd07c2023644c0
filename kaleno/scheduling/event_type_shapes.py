"""The event-type document: what hosts send (validated) and what the API answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StrictBool, StrictInt, ValidationInfo, field_validator

from kaleno.models import EventType
from kaleno.scheduling.fields import DisplayName, PatchModel, Slug, StrictModel

MAX_NOTICE_MINUTES = 60 * 24 * 60  # 60 days
MAX_CANCELLATION_NOTICE_MINUTES = 43_200  # 30 days
MAX_REMINDER_MINUTES = 43_200  # 30 days

LocationKind = Literal["google_meet", "in_person", "phone", "custom"]
LocationText = Annotated[str, Field(min_length=1, max_length=500)]
Description = Annotated[str, Field(max_length=5000)]
Duration = Annotated[StrictInt, Field(ge=5, le=720)]
Buffer = Annotated[StrictInt, Field(ge=0, le=240)]
Notice = Annotated[StrictInt, Field(ge=0, le=MAX_NOTICE_MINUTES)]
Horizon = Annotated[StrictInt, Field(ge=1, le=730)]
SlotInterval = Annotated[StrictInt, Field(ge=5, le=720)]
MaxPerDay = Annotated[StrictInt, Field(ge=1, le=100)]
CancellationNotice = Annotated[StrictInt, Field(ge=0, le=MAX_CANCELLATION_NOTICE_MINUTES)]
ReminderMinutes = Annotated[StrictInt, Field(ge=5, le=MAX_REMINDER_MINUTES)]
Reminders = Annotated[list[ReminderMinutes], Field(max_length=5)]


class Location(StrictModel):
    """Where the meeting happens; ``in_person`` needs an ``address``."""

    kind: LocationKind
    address: LocationText | None = Field(default=None, validate_default=True)
    details: LocationText | None = None

    @field_validator("address")
    @classmethod
    def _address_for_in_person(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("kind") == "in_person":
            raise ValueError("an address is required for in_person meetings")
        return value


class EventTypeIn(StrictModel):
    """A new event type."""

    slug: Slug
    title: DisplayName
    description: Description = ""
    duration_minutes: Duration
    location: Location = Location(kind="google_meet")
    buffer_before_minutes: Buffer = 0
    buffer_after_minutes: Buffer = 0
    min_notice_minutes: Notice = 0
    horizon_days: Horizon = 60
    slot_interval_minutes: SlotInterval = 30
    max_per_day: MaxPerDay | None = None
    cancellation_notice_minutes: CancellationNotice = 0
    reminders_minutes: Reminders = Field(default_factory=lambda: [1440])
    active: StrictBool = True

    @field_validator("reminders_minutes")
    @classmethod
    def _distinct_reminders(cls, value: list[int]) -> list[int]:
        return sorted(set(value), reverse=True)


class EventTypePatch(PatchModel):
    """Changes to an event type; ``max_per_day`` may be set to null (no cap)."""

    nullable = frozenset({"max_per_day"})

    slug: Slug | None = None
    title: DisplayName | None = None
    description: Description | None = None
    duration_minutes: Duration | None = None
    location: Location | None = None
    buffer_before_minutes: Buffer | None = None
    buffer_after_minutes: Buffer | None = None
    min_notice_minutes: Notice | None = None
    horizon_days: Horizon | None = None
    slot_interval_minutes: SlotInterval | None = None
    max_per_day: MaxPerDay | None = None
    cancellation_notice_minutes: CancellationNotice | None = None
    reminders_minutes: Reminders | None = None
    active: StrictBool | None = None

    @field_validator("reminders_minutes")
    @classmethod
    def _distinct_reminders(cls, value: list[int] | None) -> list[int] | None:
        return None if value is None else sorted(set(value), reverse=True)


class EventTypeOut(BaseModel):
    """An event type as its host sees it."""

    id: uuid.UUID
    slug: str
    title: str
    description: str
    duration_minutes: int
    location: Location
    buffer_before_minutes: int
    buffer_after_minutes: int
    min_notice_minutes: int
    horizon_days: int
    slot_interval_minutes: int
    max_per_day: int | None
    cancellation_notice_minutes: int
    reminders_minutes: list[int]
    active: bool
    created_at: datetime
    updated_at: datetime


class EventTypeList(BaseModel):
    """The host's event types that are not archived."""

    event_types: list[EventTypeOut]


def location_of(event_type: EventType) -> dict[str, str | None]:
    """The ``location`` object of an event type."""
    return {
        "kind": event_type.location_kind,
        "address": event_type.location_address,
        "details": event_type.location_details,
    }


def event_type_document(event_type: EventType) -> dict[str, Any]:
    """Serialize an event type for its host."""
    return {
        "id": str(event_type.id),
        "slug": event_type.slug,
        "title": event_type.title,
        "description": event_type.description,
        "duration_minutes": event_type.duration_minutes,
        "location": location_of(event_type),
        "buffer_before_minutes": event_type.buffer_before_minutes,
        "buffer_after_minutes": event_type.buffer_after_minutes,
        "min_notice_minutes": event_type.min_notice_minutes,
        "horizon_days": event_type.horizon_days,
        "slot_interval_minutes": event_type.slot_interval_minutes,
        "max_per_day": event_type.max_per_day,
        "cancellation_notice_minutes": event_type.cancellation_notice_minutes,
        "reminders_minutes": list(event_type.reminders_minutes or []),
        "active": event_type.active,
        "created_at": event_type.created_at.isoformat(),
        "updated_at": event_type.updated_at.isoformat(),
    }


def column_values(values: dict[str, Any]) -> dict[str, Any]:
    """Map validated API fields to model columns (``location`` spans three columns)."""
    columns = {name: value for name, value in values.items() if name != "location"}
    location = values.get("location")
    if isinstance(location, Location):
        columns["location_kind"] = location.kind
        columns["location_address"] = location.address
        columns["location_details"] = location.details
    return columns
