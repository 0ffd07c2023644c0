"""Database models, one module per concept; importing this registers them all."""

from kaleno.models.base import Base, TimestampMixin, UTCDateTime, utcnow
from kaleno.models.user import User

__all__ = ["Base", "TimestampMixin", "UTCDateTime", "User", "utcnow"]
