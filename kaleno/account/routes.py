"""The signed-in host's own account: ``/api/me…`` and ``/api/calendar``.

One entry point for everything a host does to their own account: who is signed in and
what Google granted, the profile (rectification), export, restriction, consents,
disconnect and erasure. The work is done by the services that own it (scheduling's
profile, the grant, privacy); this module only maps HTTP to them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from flask import Blueprint, Response, current_app
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from kaleno import audit
from kaleno.api.spec import operation
from kaleno.auth.sessions import csrf_token, end_session, require_user
from kaleno.clock import current_time
from kaleno.grant.tokens import calendar_status
from kaleno.privacy import consents, restriction
from kaleno.privacy.disconnect import disconnect_on_request
from kaleno.privacy.erasure import request_account_erasure
from kaleno.privacy.export import HostExport, export_host
from kaleno.privacy.schemas import (
    ConsentState,
    DisconnectReceipt,
    ErasureAccepted,
    ErasureReceipt,
    RestrictionState,
)
from kaleno.scheduling.fields import DisplayName, EmbedOrigins, HostSlug, IanaZone, PatchModel
from kaleno.scheduling.profile import update_profile

bp = Blueprint("account", __name__, url_prefix="/api")


class DisconnectQuery(BaseModel):
    delete_future_events: bool = False


class EraseQuery(BaseModel):
    cancel_future_bookings: bool = False


class ConsentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy_version: str = Field(min_length=1, max_length=32)
    purposes: dict[Literal["essential", "analytics", "marketing"], bool] = Field(min_length=1)


class Feature(BaseModel):
    enabled: bool
    reason: str | None


class RevokeState(BaseModel):
    """A disconnect's revoke at Google: ``queued`` (retried) until ``confirmed``."""

    state: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None


class CalendarStatus(BaseModel):
    """The Google Calendar connection as the host sees it."""

    status: str
    connected: bool
    granted_scopes: list[str]
    missing_scopes: list[str]
    features: dict[str, Feature]
    connected_at: datetime | None
    revoked_at: datetime | None
    revoked_reason: str | None
    calendars_checked: list[str]  # whose busy time blocks slots (PUT /api/availability)
    google_revoke: RevokeState | None = None  # a revoke queued at disconnect, until confirmed


class Me(BaseModel):
    """The signed-in host's profile and the CSRF token for unsafe requests."""

    id: uuid.UUID
    email: str | None
    email_verified: bool
    name: str | None
    slug: str | None
    timezone: str
    embed_origins: list[str]
    notify_new_booking: bool  # an email to the host for each new booking
    csrf_token: str
    calendar: CalendarStatus


def me_body() -> dict[str, object]:
    """The ``GET /api/me`` document for the signed-in user."""
    user = require_user()
    return Me(
        id=user.id,
        email=user.email,
        email_verified=user.email_verified,
        name=user.name,
        slug=user.slug,
        timezone=user.timezone,
        embed_origins=list(user.embed_origins or []),
        notify_new_booking=user.notify_new_booking,
        csrf_token=csrf_token(),
        calendar=CalendarStatus.model_validate(calendar_status(user)),
    ).model_dump(mode="json")


@bp.get("/me")
@operation(
    "The signed-in host's profile and CSRF token.",
    tags=("me",),
    auth="session",
    responses={200: Me, 401: None},
)
def get_me() -> dict[str, object]:
    """Show the signed-in host."""
    return me_body()


class MePatch(PatchModel):
    """Rectify the public profile or switch new-booking emails; send only what changes.

    ``embed_origins``: sites allowed to show the booking pages in an iframe (CSP
    ``frame-ancestors``), e.g. ``["https://www.example.com"]``; empty: none may.
    """

    slug: HostSlug | None = None
    timezone: IanaZone | None = None
    name: DisplayName | None = None
    embed_origins: EmbedOrigins | None = None
    notify_new_booking: StrictBool | None = None


@bp.patch("/me")
@operation(
    "Rectify the host's slug, time zone, display name or embedding origins; switch "
    "new-booking emails.",
    tags=("me",),
    auth="session",
    body=MePatch,
    responses={200: Me, 400: None, 401: None, 403: None, 409: None},
)
def patch_me(body: MePatch) -> dict[str, object]:
    """Change the signed-in host's profile and show it."""
    update_profile(require_user(), body.changes())
    return me_body()


@bp.get("/calendar")
@operation(
    "Google Calendar connection: granted and missing scopes, features off.",
    tags=("calendar",),
    auth="session",
    responses={200: CalendarStatus, 401: None},
)
def get_calendar() -> dict[str, object]:
    """Show the calendar connection status."""
    return CalendarStatus.model_validate(calendar_status(require_user())).model_dump(mode="json")


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
    receipt = disconnect_on_request(
        user, current_time(), delete_future_events=query.delete_future_events
    )
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
        return ErasureReceipt.model_validate(body), status
    return ErasureAccepted.model_validate(body), status
