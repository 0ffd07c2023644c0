"""Two-way sync state: push channels on a host's calendar and the host's sync token."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kaleno.models.base import Base, TimestampMixin, new_uuid


class GoogleChannel(TimestampMixin, Base):
    """A push channel (``events.watch``) on a host's primary calendar.

    ``id`` is the channel id Google echoes in ``X-Goog-Channel-ID``. The channel's token
    is random and sent to Google once; only its SHA-256 is kept, so a database reader
    cannot forge notifications. ``status``: ``opening`` (watch requested), ``active``,
    ``replaced`` (a newer channel took over; a stop is queued) or ``stopped``.
    """

    __tablename__ = "google_channels"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    calendar_id: Mapped[str] = mapped_column(String(255), default="primary")
    resource_id: Mapped[str | None] = mapped_column(String(255))
    token_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="opening")
    expires_at: Mapped[datetime | None]
    last_message_number: Mapped[int | None] = mapped_column(BigInteger)

    def __repr__(self) -> str:
        return f"<GoogleChannel {self.id} {self.status}>"


class CalendarSync(TimestampMixin, Base):
    """Where a host's incremental sync stands and when the next poll/reconcile is due.

    ``sync_token`` is Google's ``nextSyncToken`` (not a credential: it only works with
    the host's access token). None means the next sync is a full one.
    """

    __tablename__ = "calendar_syncs"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    sync_token: Mapped[str | None] = mapped_column(Text)
    last_synced_at: Mapped[datetime | None]
    last_full_sync_at: Mapped[datetime | None]
    next_poll_at: Mapped[datetime | None] = mapped_column(index=True)
    next_reconcile_at: Mapped[datetime | None] = mapped_column(index=True)
    last_error: Mapped[str | None] = mapped_column(String(200))

    def __repr__(self) -> str:
        return f"<CalendarSync {self.user_id}>"
