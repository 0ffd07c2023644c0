"""The declared answers of the privacy routes: every response is serialized through these,
so the OpenAPI document is what is sent (unknown fields are refused, times are RFC 3339)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeletedGoogleData(_Strict):
    """What disconnecting deleted locally."""

    sealed_tokens: int
    google_event_ids: int
    selected_calendar_ids: int
    free_busy_cache: bool
    google_profile_fields: list[str]


class DisconnectReceipt(_Strict):
    """``DELETE /api/calendar``: revoked at Google (or queued) and deleted here."""

    disconnected_at: datetime
    google_revoke: Literal["confirmed", "already-invalid", "queued", "nothing-to-revoke"]
    google_confirmed_revoke: bool
    deleted: DeletedGoogleData
    google_events_deleted: int
    google_events_not_deleted: int
    google_events_deletion_queued: int


class ErasureReceipt(_Strict):
    """``DELETE /api/me`` done: what was erased and what is kept."""

    status: Literal["completed"]
    erased_at: datetime
    google: DisconnectReceipt
    bookings_cancelled: int
    bookings_anonymized: int
    event_types_scrubbed: int
    kept: str
    kept_columns: dict[str, list[str]]


class ErasureAccepted(_Strict):
    """``DELETE /api/me`` accepted: erased once the future bookings are resolved."""

    status: Literal["accepted"]
    request_id: uuid.UUID
    due_at: datetime
    future_bookings: int
    detail: str


class RestrictionState(_Strict):
    """Whether processing is restricted, and since when."""

    restricted: bool
    restricted_at: datetime | None


class PurposeConsent(_Strict):
    """The current decision for one purpose."""

    granted: bool
    policy_version: str
    decided_at: datetime | None


class ConsentDecision(_Strict):
    """One decision in the consent history."""

    purpose: str
    granted: bool
    policy_version: str
    decided_at: datetime


class ConsentState(_Strict):
    """Consent per purpose, the policy version and the history."""

    policy_version: str
    purposes: dict[str, PurposeConsent]
    history: list[ConsentDecision]


class GuestRequestAccepted(_Strict):
    """A guest request was received (the same answer whether or not the email is known)."""

    id: uuid.UUID
    status: str
    detail: str
