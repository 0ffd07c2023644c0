"""Guests' privacy rights: ``/api/privacy/requests`` (the host's own are in ``kaleno.account``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from flask import Blueprint, request
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from kaleno.api.spec import operation
from kaleno.bookings.schemas import PHONE_PATTERN, PlainName
from kaleno.clock import current_time
from kaleno.privacy import guest
from kaleno.privacy.schemas import (
    GuestRequestAccepted,
)

bp = Blueprint("privacy", __name__, url_prefix="/api")


class GuestRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(max_length=320)
    kind: Literal["export", "erasure", "rectification"]
    # The same rules as on a booking, so a rectified value always fits the booking row.
    name: PlainName | None = None
    phone: str | None = Field(default=None, max_length=40, pattern=PHONE_PATTERN)


class GuestConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=16, max_length=128)


class GuestRequestOut(BaseModel):
    id: uuid.UUID
    kind: str
    status: str
    due_at: datetime
    completed_at: datetime | None = None
    result: dict[str, Any] | None = None


@bp.post("/privacy/requests")
@operation(
    "Ask for the export, erasure or rectification of data tied to an email.",
    tags=("privacy",),
    body=GuestRequestIn,
    responses={202: GuestRequestAccepted, 429: None},
)
def open_guest_request(body: GuestRequestIn) -> tuple[GuestRequestAccepted, int]:
    """Same answer whether or not the email is known; the token goes by email only."""
    details = {k: v for k, v in (("name", body.name), ("phone", body.phone)) if v is not None}
    record = guest.open_request(body.email, body.kind, details, current_time())
    accepted = GuestRequestAccepted(
        id=record.id,
        status=record.status,
        detail="If this address has data here, a confirmation email is on its way.",
    )
    return accepted, 202


@bp.post("/privacy/requests/<uuid:request_id>/confirm")
@operation(
    "Confirm a guest request with the emailed token; it is then carried out.",
    tags=("privacy",),
    body=GuestConfirmIn,
    responses={200: GuestRequestOut, 404: None, 409: None},
)
def confirm_guest_request(request_id: uuid.UUID, body: GuestConfirmIn) -> GuestRequestOut:
    """Carry the request out; an export's data is then downloaded once with GET."""
    record = guest.confirm(request_id, body.token, current_time())
    shown = GuestRequestOut.model_validate(record, from_attributes=True)
    if record.kind == "export":
        shown.result = None
    return shown


@bp.get("/privacy/requests/<uuid:request_id>")
@operation(
    "Status of a guest request; for an export, the data, handed out once (then deleted, "
    "as it is after KALENO_RETENTION_EXPORT_HOURS). Bearer: the token.",
    tags=("privacy",),
    auth="manage-token",
    responses={200: GuestRequestOut, 404: None},
)
def show_guest_request(request_id: uuid.UUID) -> GuestRequestOut:
    header = request.headers.get("Authorization", "")
    token = header[7:] if header.lower().startswith("bearer ") else None
    record = guest.load_verified(request_id, token)
    shown = GuestRequestOut.model_validate(record, from_attributes=True)
    if record.kind == "export":
        shown.result = guest.export_result(record, current_time())  # dropped by the commit
    return shown
