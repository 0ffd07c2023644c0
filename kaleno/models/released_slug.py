"""Host slugs given up recently: quarantined so nobody else inherits their links at once."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from kaleno.models.base import Base


class ReleasedSlug(Base):
    """A slug a host gave up (rename or erasure), held until ``held_until``.

    Only an HMAC of the slug is stored, so an erased host's slug (often their
    name) is not kept in clear. ``owner_id`` is the host who released it by renaming and
    may take it back; it is empty after an erasure.
    """

    __tablename__ = "released_slugs"

    slug_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    released_at: Mapped[datetime]
    held_until: Mapped[datetime] = mapped_column(index=True)

    def __repr__(self) -> str:
        return f"<ReleasedSlug until {self.held_until}>"
