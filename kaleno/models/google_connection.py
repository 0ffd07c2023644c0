"""A host's connection to Google Calendar: granted scopes and sealed tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kaleno.models.base import Base, TimestampMixin, new_uuid

FREEBUSY_SCOPE = "https://www.googleapis.com/auth/calendar.freebusy"
EVENTS_SCOPE = "https://www.googleapis.com/auth/calendar.events.owned"
CALENDAR_SCOPES = (FREEBUSY_SCOPE, EVENTS_SCOPE)


class GoogleConnection(TimestampMixin, Base):
    """The calendar grant of one host. Tokens are only ever stored sealed by the vault."""

    __tablename__ = "google_connections"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[str] = mapped_column(String(16), default="connected")  # connected | revoked
    granted_scopes: Mapped[str] = mapped_column(Text, default="")
    refresh_token_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    access_token_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    access_token_expires_at: Mapped[datetime | None]
    connected_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(200))

    @property
    def scopes(self) -> frozenset[str]:
        """The calendar scopes Google granted, per the last token response."""
        return frozenset(self.granted_scopes.split())

    def __repr__(self) -> str:
        return f"<GoogleConnection {self.id} {self.status}>"
