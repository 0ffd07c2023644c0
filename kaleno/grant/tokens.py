"""The host's Google Calendar grant: store it sealed, hand out access tokens, report status."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from kaleno.errors import ensure_not_restricted
from kaleno.extensions import db
from kaleno.google.credentials import GrantRevoked, usable_access_token
from kaleno.google.endpoints import current_endpoints
from kaleno.google.errors import (
    CalendarNotConnected,
    CalendarRevoked,
    ClientMisconfigured,
    ScopeNotGranted,
)
from kaleno.google.oauth import ClientCredentials, TokenResponse
from kaleno.grant import busy_cache
from kaleno.models import AvailabilityRules, GoogleConnection, OutboxJob, User
from kaleno.models.google_connection import CALENDAR_SCOPES, EVENTS_SCOPE, FREEBUSY_SCOPE
from kaleno.sealed import connection_binding
from kaleno.unit_of_work import commit_apart
from kaleno.vault import current_vault

log = logging.getLogger(__name__)
REVOKE_KIND = "google.revoke"  # queued and run by kaleno.grant.revoke
FEATURES = {
    FREEBUSY_SCOPE: ("free_busy", "Without free/busy access, booking pages cannot offer slots."),
    EVENTS_SCOPE: ("write_events", "Without event access, bookings cannot be written to Google."),
}


def client_credentials() -> ClientCredentials:
    """The configured OAuth client."""
    return ClientCredentials(
        current_app.config["GOOGLE_CLIENT_ID"], current_app.config["GOOGLE_CLIENT_SECRET"]
    )


def connection_of(user: User) -> GoogleConnection | None:
    """The user's connection row, if any."""
    return db.session.query(GoogleConnection).filter_by(user_id=user.id).one_or_none()


def store_grant(user: User, tokens: TokenResponse, now: datetime) -> GoogleConnection:
    """Record a calendar grant. Google's ``scope`` is the truth; a partial grant is kept.

    A response without a refresh token keeps the one already held (Google sends it only
    on the first consent).
    """
    conn = connection_of(user)
    if conn is None:
        conn = GoogleConnection(user_id=user.id)
        db.session.add(conn)
        db.session.flush()
    vault = current_vault()
    conn.granted_scopes = " ".join(s for s in CALENDAR_SCOPES if s in tokens.scopes)
    conn.access_token_sealed = vault.seal(
        tokens.access_token, connection_binding(conn, "access_token")
    )
    conn.access_token_expires_at = now + timedelta(seconds=tokens.expires_in)
    if tokens.refresh_token:
        conn.refresh_token_sealed = vault.seal(
            tokens.refresh_token, connection_binding(conn, "refresh_token")
        )
    conn.status = "connected" if conn.refresh_token_sealed else "revoked"
    conn.revoked_at = None if conn.refresh_token_sealed else now
    conn.revoked_reason = None if conn.refresh_token_sealed else "Google sent no refresh token"
    conn.connected_at = now
    busy_cache.invalidate(user.id)  # scopes changed: cached answers may no longer hold
    return conn


def holds_refresh_token(user: User) -> bool:
    """Whether a live refresh token is held (then consent need not be forced)."""
    conn = connection_of(user)
    return bool(conn and conn.status == "connected" and conn.refresh_token_sealed)


def access_token_for(user: User, scope: str, now: datetime, *, force_refresh: bool = False) -> str:
    """A fresh access token for a calendar call needing ``scope``; refreshes and persists.

    ``force_refresh`` skips the stored access token (Google answered 401 with it).

    Commits the refreshed token, or the ``revoked`` mark when Google says invalid_grant,
    apart from the unit in progress (``commit_apart``).

    Raises:
        CalendarNotConnected: the host never connected Google Calendar.
        CalendarRevoked: the grant was revoked (now or before).
        ScopeNotGranted: the host declined the permission this feature needs.
        GoogleUnavailable: Google could not refresh the token right now.
        HostRestricted: the host restricted processing; no Google call may happen.
    """
    ensure_not_restricted(user)
    conn = connection_of(user)
    if conn is None or (conn.refresh_token_sealed is None and conn.status != "revoked"):
        raise CalendarNotConnected("The host has not connected Google Calendar.")
    if conn.status == "revoked":
        raise CalendarRevoked(_revoked_detail(conn))
    if scope not in conn.scopes:
        raise ScopeNotGranted(FEATURES[scope][1])
    vault = current_vault()
    assert conn.refresh_token_sealed is not None
    try:
        token = usable_access_token(
            current_endpoints(),
            client_credentials(),
            access_token=vault.open(
                conn.access_token_sealed, connection_binding(conn, "access_token")
            )
            if conn.access_token_sealed
            else None,
            expires_at=None if force_refresh else conn.access_token_expires_at,
            refresh_token=vault.open(
                conn.refresh_token_sealed, connection_binding(conn, "refresh_token")
            ),
            scopes=conn.scopes,
            now=now,
        )
    except GrantRevoked as dead:
        mark_revoked(conn, now, dead.reason)
        raise CalendarRevoked(_revoked_detail(conn)) from None
    except ClientMisconfigured:
        log.error("google refused the oauth client; check the client id and secret")
        raise
    if token.refreshed:
        commit_apart(
            "refreshed token",
            conn,
            access_token_sealed=vault.seal(token.token, connection_binding(conn, "access_token")),
            access_token_expires_at=token.expires_at,
        )
    return token.token


def mark_revoked(conn: GoogleConnection, now: datetime, reason: str) -> None:
    """Record that the grant is dead and drop the useless tokens, whatever the unit in
    progress does (Google said so; the next call must not ask again)."""
    commit_apart(
        "dead grant",
        conn,
        status="revoked",
        revoked_at=now,
        revoked_reason=reason,
        access_token_sealed=None,
        refresh_token_sealed=None,
    )
    busy_cache.invalidate(conn.user_id)  # nothing cached may outlive the grant
    log.info("calendar connection revoked", extra={"connection_id": str(conn.id)})


def usable_for(conn: GoogleConnection | None, scope: str) -> bool:
    """Whether ``conn`` is a live grant that includes ``scope``."""
    if conn is None:
        return False
    return grant_usable(conn.status, conn.refresh_token_sealed is not None, conn.scopes, scope)


def grant_usable(
    status: str | None, has_refresh_token: bool, granted: Iterable[str], scope: str
) -> bool:
    """The one rule: a grant serves ``scope`` when connected, refreshable and granted it."""
    return status == "connected" and has_refresh_token and scope in granted


def _revoked_detail(conn: GoogleConnection) -> str:
    when = conn.revoked_at.isoformat() if conn.revoked_at else "earlier"
    why = f": {conn.revoked_reason}" if conn.revoked_reason else ""
    return f"Google Calendar access was revoked ({when}{why}); the host must connect again."


def calendar_status(user: User) -> dict[str, Any]:
    """What ``GET /api/calendar`` shows: connection, scopes, and features switched off."""
    conn = connection_of(user)
    granted = sorted(conn.scopes) if conn and conn.status == "connected" else []
    features = {}
    for scope, (name, reason) in FEATURES.items():
        enabled = scope in granted
        features[name] = {"enabled": enabled, "reason": None if enabled else reason}
    status = "not_connected" if conn is None else conn.status
    rules = db.session.query(AvailabilityRules).filter_by(user_id=user.id).one_or_none()
    return {
        "status": status,
        "connected": status == "connected",
        "granted_scopes": granted,
        "missing_scopes": [s for s in CALENDAR_SCOPES if s not in granted],
        "features": features,
        "connected_at": conn.connected_at if conn else None,
        "revoked_at": conn.revoked_at if conn else None,
        "revoked_reason": conn.revoked_reason if conn else None,
        "calendars_checked": list(rules.calendar_ids) if rules else ["primary"],
        "google_revoke": _revoke_state(user),
    }


def _revoke_state(user: User) -> dict[str, Any] | None:
    """The latest revoke queued at disconnect: ``queued`` until Google confirms."""
    job = (
        db.session.query(OutboxJob)
        .filter_by(user_id=user.id, kind=REVOKE_KIND)
        .order_by(OutboxJob.created_at.desc())
        .first()
    )
    if job is None:
        return None
    state = {"pending": "queued", "done": "confirmed"}.get(job.status, job.status)
    return {
        "state": state,
        "attempts": job.attempts,
        "last_error": job.last_error,
        "next_attempt_at": job.next_attempt_at if state == "queued" else None,
    }
