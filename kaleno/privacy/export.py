"""``GET /api/me/export``: everything Kaleno holds about a host, as documented JSON, no secrets.

The document's schema is ``HostExport`` (also in the OpenAPI document), so an export can
be validated by anyone who receives it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from kaleno.extensions import db
from kaleno.grant.tokens import connection_of
from kaleno.models import (
    ApiKey,
    AuditEvent,
    AvailabilityRules,
    Booking,
    Consent,
    DataRequest,
    EventType,
    User,
    WebhookEndpoint,
)

EXPORT_SCHEMA_VERSION = "1"


class _Row(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="forbid")


class ExportProfile(_Row):
    id: uuid.UUID
    google_sub: str
    email: str | None
    email_verified: bool
    name: str | None
    slug: str | None
    timezone: str
    embed_origins: list[str] | None
    hosted_domain: str | None
    created_at: datetime
    last_login_at: datetime | None
    restricted_at: datetime | None


class ExportConnection(_Row):
    status: str
    granted_scopes: str
    connected_at: datetime | None
    revoked_at: datetime | None
    revoked_reason: str | None


class ExportEventType(_Row):
    id: uuid.UUID
    slug: str
    title: str
    description: str
    duration_minutes: int
    location_kind: str
    location_address: str | None
    location_details: str | None
    buffer_before_minutes: int
    buffer_after_minutes: int
    min_notice_minutes: int
    horizon_days: int
    slot_interval_minutes: int
    max_per_day: int | None
    cancellation_notice_minutes: int
    active: bool
    archived_at: datetime | None


class ExportAvailability(_Row):
    weekly: dict[str, Any]
    overrides: list[Any]
    calendar_ids: list[Any]


class ExportBooking(_Row):
    id: uuid.UUID
    event_type_id: uuid.UUID
    status: str
    start_at: datetime
    end_at: datetime
    customer_name: str | None
    customer_email: str | None
    customer_phone: str | None
    customer_timezone: str
    notes: str | None
    google_event_id: str | None
    google_sync: str
    cancelled_at: datetime | None
    cancel_reason: str | None
    created_at: datetime


class ExportConsent(_Row):
    purpose: str
    granted: bool
    policy_version: str
    decided_at: datetime


class ExportDataRequest(_Row):
    id: uuid.UUID
    kind: str
    status: str
    created_at: datetime
    due_at: datetime
    completed_at: datetime | None


class ExportAuditEvent(_Row):
    at: datetime
    actor: str
    action: str
    details: dict[str, Any]


class ExportApiKey(_Row):
    """An API key's description; the key, its hash and its prefix are never exported."""

    id: uuid.UUID
    name: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ExportWebhookEndpoint(_Row):
    """A webhook endpoint without its signing secrets."""

    id: uuid.UUID
    url: str
    events: list[str]
    created_at: datetime


class HostExport(BaseModel):
    """Everything held about one host. Tokens and other secrets are never included."""

    model_config = ConfigDict(extra="forbid")

    schema_version: str
    generated_at: datetime
    profile: ExportProfile
    calendar_connection: ExportConnection | None
    event_types: list[ExportEventType]
    availability: ExportAvailability | None
    bookings: list[ExportBooking]
    consents: list[ExportConsent]
    data_requests: list[ExportDataRequest]
    audit_events: list[ExportAuditEvent]
    api_keys: list[ExportApiKey]
    webhook_endpoints: list[ExportWebhookEndpoint]


def export_host(user: User, now: datetime) -> HostExport:
    """Collect every row about ``user`` into a ``HostExport``."""
    conn = connection_of(user)
    rules = db.session.scalars(select(AvailabilityRules).filter_by(user_id=user.id)).one_or_none()
    return HostExport(
        schema_version=EXPORT_SCHEMA_VERSION,
        generated_at=now,
        profile=ExportProfile.model_validate(user),
        calendar_connection=ExportConnection.model_validate(conn) if conn else None,
        event_types=_all(ExportEventType, select(EventType).filter_by(user_id=user.id)),
        availability=ExportAvailability.model_validate(rules) if rules else None,
        bookings=_all(
            ExportBooking,
            select(Booking).filter_by(host_id=user.id).order_by(Booking.start_at),
        ),
        consents=_all(
            ExportConsent, select(Consent).filter_by(user_id=user.id).order_by(Consent.decided_at)
        ),
        data_requests=_all(
            ExportDataRequest,
            select(DataRequest)
            .where(DataRequest.user_id == user.id)
            .order_by(DataRequest.created_at),
        ),
        audit_events=_all(
            ExportAuditEvent,
            select(AuditEvent).filter_by(subject_user_id=user.id).order_by(AuditEvent.at),
        ),
        api_keys=_all(
            ExportApiKey, select(ApiKey).filter_by(user_id=user.id).order_by(ApiKey.created_at)
        ),
        webhook_endpoints=_all(
            ExportWebhookEndpoint,
            select(WebhookEndpoint).filter_by(user_id=user.id).order_by(WebhookEndpoint.created_at),
        ),
    )


def _all(model: type[_Row], query: Any) -> list[Any]:
    return [model.model_validate(row) for row in db.session.scalars(query)]
