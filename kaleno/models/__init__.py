"""Database models, one module per concept; importing this registers them all."""

from kaleno.models.auth import OAuthAttempt, UserSession
from kaleno.models.base import Base, TimestampMixin, UTCDateTime, utcnow
from kaleno.models.google_connection import GoogleConnection
from kaleno.models.user import User

__all__ = [
    "Base",
    "GoogleConnection",
    "OAuthAttempt",
    "TimestampMixin",
    "UTCDateTime",
    "User",
    "UserSession",
    "utcnow",
]
