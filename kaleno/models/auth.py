"""Browser sessions and in-flight OAuth attempts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from kaleno.models.base import Base, new_uuid, utcnow


class UserSession(Base):
    """A signed-in browser. The cookie carries a random id; only its hash is stored."""

    __tablename__ = "user_sessions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"<UserSession {self.id}>"


class OAuthAttempt(Base):
    """One authorization redirect in flight: single-use state, nonce and PKCE verifier.

    Kept server-side so the verifier never travels in a URL or the cookie; the cookie
    holds only this row's id. ``state_hash`` is compared in constant time on callback.
    """

    __tablename__ = "oauth_attempts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_uuid)
    kind: Mapped[str] = mapped_column(String(16))  # "signin" or "calendar"
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    state_hash: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(64))
    code_verifier_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    next_path: Mapped[str] = mapped_column(String(512), default="/")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"<OAuthAttempt {self.id} {self.kind}>"
