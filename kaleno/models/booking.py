"""Bookings, their idempotency keys, and the outbox that keeps Google in step."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column, validates

from kaleno.models.base import Base, TimestampMixin, email_key, new_uuid, utcnow


class Booking(TimestampMixin, Base):
    """A customer's appointment with a host.

    ``blocked_start``/``blocked_end`` include the event type's buffers; on PostgreSQL an
    exclusion constraint (migration 0003) forbids two active bookings of one host whose
    blocked ranges overlap. ``active`` is true while the booking holds its slot.
    """

    __tablename__ = "bookings"
    __table_args__ = (Index("ix_bookings_host_blocked", "host_id", "blocked_start", "blocked_end"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    host_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event_type_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("event_types.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="confirmed")  # confirmed|cancelled
    active: Mapped[bool] = mapped_column(default=True)
    start_at: Mapped[datetime]
    end_at: Mapped[datetime]
    blocked_start: Mapped[datetime]
    blocked_end: Mapped[datetime]
    customer_name: Mapped[str | None] = mapped_column(String(200))
    customer_email: Mapped[str | None] = mapped_column(String(320), index=True)
    # The one form emails are compared on (``email_key``), kept in step by ``_key_email``.
    customer_email_key: Mapped[str | None] = mapped_column(String(320), index=True)
    customer_phone: Mapped[str | None] = mapped_column(String(40))
    customer_timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    notes: Mapped[str | None] = mapped_column(Text)
    manage_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    google_event_id: Mapped[str | None] = mapped_column(String(1024))
    google_html_link: Mapped[str | None] = mapped_column(String(2048))
    google_meet_link: Mapped[str | None] = mapped_column(String(2048))
    google_sync: Mapped[str] = mapped_column(String(16), default="pending")
    google_sync_error: Mapped[str | None] = mapped_column(String(500))
    # Google's ``updated`` of the event as Kaleno last wrote or read it: a change read
    # from Google counts only when newer (duplicates and stale reads change nothing).
    google_event_updated: Mapped[str | None] = mapped_column(String(40))
    # Why the booking's time breaks the host's rules (the host moved it in Google).
    rules_warning: Mapped[str | None] = mapped_column(String(300))
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    cancelled_by: Mapped[str | None] = mapped_column(String(16))  # host|customer|system
    anonymized_at: Mapped[datetime | None]
    # The iCalendar SEQUENCE: raised by every reschedule and cancel, so calendar apps
    # replace the copy they hold (RFC 5545 3.8.7.4).
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    # The language the customer booked in; their mails are written in it.
    locale: Mapped[str] = mapped_column(String(8), default="en", server_default="en")

    @validates("customer_email")
    def _key_email(self, _name: str, value: str | None) -> str | None:
        self.customer_email_key = email_key(value) if value else None
        return value

    def __repr__(self) -> str:
        return f"<Booking {self.id} {self.status}>"


# No booking blocks longer than this (720-minute events with 240-minute buffers each side,
# with room to spare): a lower bound on ``blocked_start`` lets an overlap query read only
# the index entries near its window instead of the host's whole history.
MAX_BLOCKED_SPAN = timedelta(hours=48)


class IdempotencyKey(Base):
    """A client's ``Idempotency-Key`` for one event type: the first answer, replayed."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("event_type_id", "key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    event_type_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("event_types.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="running")  # running|done
    response_status: Mapped[int | None]
    response_body: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    booking_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)

    def __repr__(self) -> str:
        return f"<IdempotencyKey {self.id} {self.state}>"


class OutboxJob(TimestampMixin, Base):
    """Work for Google that must happen exactly once in effect, retried until it does.

    ``kind`` is ``booking.sync`` (bring the booking's Google event in line with the row)
    or ``google.revoke`` (revoke a grant; the token is kept sealed only until then), or a
    kind another module registered (``mail``: one email, its secret sealed until sent).
    """

    __tablename__ = "outbox_jobs"
    __table_args__ = (Index("ix_outbox_jobs_due", "status", "next_attempt_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    kind: Mapped[str] = mapped_column(String(32))
    booking_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|done|failed|parked
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))

    def __repr__(self) -> str:
        return f"<OutboxJob {self.id} {self.kind} {self.status}>"


# What the free slots of the host's pages depend on: a change to anything else of a
# booking (its Google ids and sync state, the customer's details) leaves them as they are.
SLOT_FIELDS = (
    "status",
    "active",
    "start_at",
    "end_at",
    "blocked_start",
    "blocked_end",
    "event_type_id",
)


def _bump_bookings_version(_mapper: Any, connection: Connection, booking: Booking) -> None:
    """Count a change to one of the host's bookings, in the transaction that makes it."""
    users = Base.metadata.tables["users"]
    connection.execute(
        update(users)
        .where(users.c.id == booking.host_id)
        .values(bookings_version=users.c.bookings_version + 1)
    )


def _bump_if_slots_change(mapper: Any, connection: Connection, booking: Booking) -> None:
    """Count an update only when it changes what the slots depend on; the outbox writing
    a booking's Google ids back then neither drops the slots cache nor writes (locks) the
    host's row."""
    state = inspect(booking)
    if any(state.attrs[name].history.has_changes() for name in SLOT_FIELDS):
        _bump_bookings_version(mapper, connection, booking)


event.listen(Booking, "after_insert", _bump_bookings_version)
event.listen(Booking, "after_update", _bump_if_slots_change)
event.listen(Booking, "after_delete", _bump_bookings_version)
