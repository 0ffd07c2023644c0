"""Database models, one module per concept; importing this registers them all."""

from kaleno.models.auth import OAuthAttempt, UserSession
from kaleno.models.base import Base, TimestampMixin, UTCDateTime, email_key, utcnow
from kaleno.models.booking import Booking, IdempotencyKey, OutboxJob
from kaleno.models.calendar_sync import CalendarSync, GoogleChannel
from kaleno.models.google_connection import GoogleConnection
from kaleno.models.integrations import ApiKey, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from kaleno.models.privacy import AuditEvent, Consent, DataRequest
from kaleno.models.released_slug import ReleasedSlug
from kaleno.models.scheduling import AvailabilityRules, EventType
from kaleno.models.user import User

__all__ = [
    "ApiKey",
    "AuditEvent",
    "AvailabilityRules",
    "Base",
    "Booking",
    "CalendarSync",
    "Consent",
    "DataRequest",
    "EventType",
    "GoogleChannel",
    "GoogleConnection",
    "IdempotencyKey",
    "OAuthAttempt",
    "OutboxJob",
    "ReleasedSlug",
    "TimestampMixin",
    "UTCDateTime",
    "User",
    "UserSession",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "email_key",
    "utcnow",
]
