"""Privacy routes for hosts (``/api/me…``, ``DELETE /api/calendar``) and guests."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from flask import Blueprint, Response, current_app, request
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from kaleno.api.spec import operation
from kaleno.auth.sessions import end_session, require_user
from kaleno.bookings.schemas import PHONE_PATTERN, PlainName
from kaleno.clock import current_time
from kaleno.extensions import db
from kaleno.privacy import audit, consents, guest, restriction
from kaleno.privacy.disconnect import disconnect
from kaleno.privacy.erasure import request_account_erasure
from kaleno.privacy.export import HostExport, export_host
from kaleno.privacy.schemas import (
    ConsentState,
    DisconnectReceipt,
    ErasureAccepted,
    ErasureReceipt,
    GuestRequestAccepted,
    RestrictionState,
)

bp = Blueprint("privacy", __name__, url_prefix="/api")


class DisconnectQuery(BaseModel):
    delete_future_events: bool = False


class EraseQuery(BaseModel):
    cancel_future_bookings: bool = False


class ConsentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy_version: str = Field(min_length=1, max_length=32)
    purposes: dict[Literal["essential", "analytics", "marketing"], bool] = Field(min_length=1)


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


@bp.delete("/calendar")
@operation(
    "Disconnect Google and delete Google data (revoked at Google too).",
    tags=("privacy",),
    auth="session",
    query=DisconnectQuery,
    responses={200: DisconnectReceipt, 401: None, 403: None},
)
def delete_calendar(query: DisconnectQuery) -> DisconnectReceipt:
    """Revoke, delete tokens, cache and Google ids; answer a receipt."""
    user = require_user()
    receipt = disconnect(user, current_time(), delete_future_events=query.delete_future_events)
    return DisconnectReceipt.model_validate(receipt)


@bp.get("/me/export")
@operation(
    "Everything Kaleno holds about you, as JSON (no secrets).",
    tags=("privacy",),
    auth="session",
    responses={200: HostExport, 401: None},
)
def export_me() -> Response:
    """Download the export as an attachment."""
    user = require_user()
    document = export_host(user, current_time())
    audit.record("export", actor="user", subject_user_id=user.id)
    db.session.commit()
    response = current_app.response_class(document.model_dump_json(), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="kaleno-export.json"'
    return response


@bp.post("/me/restriction")
@operation(
    "Restrict processing: data kept, pages closed, no Google calls, no email.",
    tags=("privacy",),
    auth="session",
    responses={200: RestrictionState, 401: None, 403: None},
)
def start_restriction() -> RestrictionState:
    """Restrict processing now."""
    user = require_user()
    restriction.restrict(user, current_time())
    return RestrictionState(restricted=True, restricted_at=user.restricted_at)


@bp.delete("/me/restriction")
@operation(
    "Lift the restriction of processing.",
    tags=("privacy",),
    auth="session",
    responses={200: RestrictionState, 401: None, 403: None},
)
def end_restriction() -> RestrictionState:
    """Lift the restriction."""
    user = require_user()
    restriction.lift(user)
    return RestrictionState(restricted=False, restricted_at=None)


@bp.get("/me/consents")
@operation(
    "Consent per purpose, the policy version and the history.",
    tags=("privacy",),
    auth="session",
    responses={200: ConsentState, 401: None},
)
def get_consents() -> ConsentState:
    """The consent state of the signed-in host."""
    return ConsentState.model_validate(consents.consent_state(require_user()))


@bp.put("/me/consents")
@operation(
    "Give or withdraw consent per purpose (one call either way).",
    tags=("privacy",),
    auth="session",
    body=ConsentUpdate,
    responses={200: ConsentState, 401: None, 403: None},
)
def put_consents(body: ConsentUpdate) -> ConsentState:
    """Record the decisions and answer the new state."""
    user = require_user()
    consents.set_consents(
        user, {str(k): v for k, v in body.purposes.items()}, body.policy_version, current_time()
    )
    return ConsentState.model_validate(consents.consent_state(user))


@bp.delete("/me")
@operation(
    "Erase the account (now, or once future bookings are resolved).",
    tags=("privacy",),
    auth="session",
    query=EraseQuery,
    responses={200: ErasureReceipt, 202: ErasureAccepted, 401: None, 403: None},
)
def erase_me(query: EraseQuery) -> tuple[ErasureReceipt | ErasureAccepted, int]:
    """Erase now (200), or accept the request until future bookings are resolved (202)."""
    user = require_user()
    status, body = request_account_erasure(
        user, current_time(), cancel_future=query.cancel_future_bookings
    )
    if status == 200:
        end_session()
        db.session.commit()
        return ErasureReceipt.model_validate(body), status
    return ErasureAccepted.model_validate(body), status


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
        shown.result = guest.export_result(record, current_time())
        db.session.commit()
    return shown
