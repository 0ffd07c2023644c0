"""A person who signed in with Google: a host."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, String, true
from sqlalchemy.orm import Mapped, mapped_column

from kaleno.models.base import Base, TimestampMixin, new_uuid


class User(TimestampMixin, Base):
    """A host, identified by the Google ``sub`` claim (never by email)."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    google_sub: Mapped[str] = mapped_column(String(255), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    email_verified: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str | None] = mapped_column(String(200))
    slug: Mapped[str | None] = mapped_column(String(64), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    hosted_domain: Mapped[str | None] = mapped_column(String(255))
    last_login_at: Mapped[datetime | None]
    restricted_at: Mapped[datetime | None]
    # Origins allowed to frame this host's booking pages (CSP frame-ancestors); none: 'none'.
    embed_origins: Mapped[list[str] | None] = mapped_column(JSON)
    # Whether the host gets an email for each new booking.
    notify_new_booking: Mapped[bool] = mapped_column(default=True, server_default=true())

    def __repr__(self) -> str:
        return f"<User {self.id}>"
