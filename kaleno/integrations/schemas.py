"""Request and response shapes of ``/api/webhooks`` and ``/api/keys``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

EventName = Literal["booking.created", "booking.rescheduled", "booking.cancelled"]
ScopeName = Literal["bookings:read", "bookings:write", "settings:read", "settings:write"]


class WebhookIn(BaseModel):
    """A new endpoint: where to send, and which events."""

    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, StringConstraints(min_length=1, max_length=2048, strip_whitespace=True)]
    events: list[EventName] = Field(min_length=1, max_length=3)


class WebhookOut(BaseModel):
    """An endpoint as the host sees it (never its secret)."""

    id: uuid.UUID
    url: str
    events: list[str]
    created_at: datetime
    previous_secret_expires_at: datetime | None


class WebhookCreated(WebhookOut):
    """The 201 answer: the only time the signing secret is shown."""

    secret: str


class WebhookList(BaseModel):
    webhooks: list[WebhookOut]


class SecretRotated(BaseModel):
    """A rotation's answer: the new secret (shown once); the old one signs until then too."""

    id: uuid.UUID
    secret: str
    previous_secret_expires_at: datetime


class AttemptOut(BaseModel):
    """One POST: when, the receiver's status code (null: no answer), why it failed."""

    attempted_at: datetime
    status_code: int | None
    duration_ms: int
    error: str | None


class DeliveryOut(BaseModel):
    """One event for the endpoint, with every attempt made so far."""

    id: uuid.UUID
    webhook_id: str
    event: str
    status: Literal["pending", "delivered", "failed"]
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime | None
    attempts: list[AttemptOut]


class DeliveryList(BaseModel):
    deliveries: list[DeliveryOut]


class ApiKeyIn(BaseModel):
    """A new API key: a name to recognise it by, and what it may do."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]
    scopes: list[ScopeName] = Field(min_length=1, max_length=4)


class ApiKeyOut(BaseModel):
    """A key as the host sees it: its first characters, never the key."""

    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    """The 201 answer: the only time the key is shown."""

    key: str


class ApiKeyList(BaseModel):
    keys: list[ApiKeyOut]
