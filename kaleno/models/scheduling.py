"""What a host offers: event types and weekly availability."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ColumnElement, ForeignKey, String, Text, UniqueConstraint, and_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from kaleno.models.base import Base, TimestampMixin, new_uuid


class EventType(TimestampMixin, Base):
    """A bookable service of one host (e.g. "30-minute intro call")."""

    __tablename__ = "event_types"
    __table_args__ = (UniqueConstraint("user_id", "slug"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    duration_minutes: Mapped[int]
    location_kind: Mapped[str] = mapped_column(String(16))  # google_meet|in_person|phone|custom
    location_address: Mapped[str | None] = mapped_column(String(500))
    location_details: Mapped[str | None] = mapped_column(String(500))
    buffer_before_minutes: Mapped[int] = mapped_column(default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(default=0)
    min_notice_minutes: Mapped[int] = mapped_column(default=0)
    horizon_days: Mapped[int] = mapped_column(default=60)
    slot_interval_minutes: Mapped[int] = mapped_column(default=30)
    max_per_day: Mapped[int | None]
    cancellation_notice_minutes: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    archived_at: Mapped[datetime | None]
    # Minutes before the start at which the customer gets a reminder email.
    reminders_minutes: Mapped[list[int]] = mapped_column(
        JSON, default=lambda: [1440], server_default="[1440]"
    )

    @hybrid_property
    def bookable(self) -> bool:
        """Open to customers: active and not archived (in Python and in SQL)."""
        return self.active and self.archived_at is None

    @bookable.inplace.expression
    @classmethod
    def _bookable_expression(cls) -> ColumnElement[bool]:
        return and_(cls.active.is_(True), cls.archived_at.is_(None))

    def __repr__(self) -> str:
        return f"<EventType {self.id} {self.slug}>"


class AvailabilityRules(TimestampMixin, Base):
    """A host's weekly hours (wall-clock, host zone), date overrides and blocking calendars.

    ``weekly`` maps ``monday``…``sunday`` to ``[{"start": "09:00", "end": "17:00"}]``;
    ``overrides`` is ``[{"date": "2026-12-25", "intervals": []}]``; ``calendar_ids`` lists
    the Google calendars whose busy time blocks slots.
    """

    __tablename__ = "availability_rules"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    weekly: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    overrides: Mapped[list[Any]] = mapped_column(JSON, default=list)
    calendar_ids: Mapped[list[Any]] = mapped_column(JSON, default=lambda: ["primary"])

    def __repr__(self) -> str:
        return f"<AvailabilityRules {self.user_id}>"
