"""``/api/me`` and ``/api/calendar``: who is signed in and what Google granted."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import Blueprint
from pydantic import BaseModel, StrictBool

from kaleno.api.spec import operation
from kaleno.auth.sessions import csrf_token, require_user
from kaleno.grant.tokens import calendar_status
from kaleno.scheduling.fields import DisplayName, EmbedOrigins, HostSlug, IanaZone, PatchModel
from kaleno.scheduling.profile import update_profile

bp = Blueprint("me", __name__, url_prefix="/api")


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
