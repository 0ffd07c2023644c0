"""Revoking a grant at Google, and the calls a queued revoke makes with its raw token."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from kaleno import outbox
from kaleno.errors import KalenoError
from kaleno.extensions import db
from kaleno.google import calendar, oauth
from kaleno.google.credentials import GrantRevoked, usable_access_token
from kaleno.google.endpoints import current_endpoints
from kaleno.google.errors import GoogleUnavailable
from kaleno.grant.tokens import REVOKE_KIND, client_credentials
from kaleno.models import GoogleConnection, OutboxJob, User, utcnow
from kaleno.models.google_connection import EVENTS_SCOPE
from kaleno.outbox import Outcome
from kaleno.sealed import connection_binding, job_binding
from kaleno.vault import current_vault


def revoke_token(token: str) -> bool:
    """Revoke ``token`` at Google: True when confirmed, False when it was already invalid.

    Raises:
        GoogleUnavailable: Google could not be reached.
    """
    return oauth.revoke(current_endpoints(), token)


def delete_events_with(
    token: str, event_ids: Sequence[str], *, is_refresh_token: bool, send_updates: str
) -> None:
    """Delete events with a grant's raw token, kept sealed by a queued revoke.

    404/410 count as done; a grant revoked meanwhile ends the deletion quietly.
    """
    endpoints = current_endpoints()
    access = token
    if is_refresh_token:
        try:
            access = usable_access_token(
                endpoints,
                client_credentials(),
                access_token=None,
                expires_at=None,
                refresh_token=token,
                scopes=frozenset({EVENTS_SCOPE}),
                now=utcnow(),
            ).token
        except GrantRevoked:
            return  # the grant is gone, and with it Kaleno's access to those events
    for event_id in list(event_ids):
        try:
            calendar.delete_event(
                endpoints.calendar_api, access, event_id, send_updates=send_updates, retries=0
            )
        except calendar.AccessTokenRejected:
            return  # revoked meanwhile: nothing more can be deleted with this grant


def revoke_or_queue(
    user: User,
    conn: GoogleConnection,
    *,
    delete_event_ids: list[str],
    send_updates: str,
    not_before: datetime,
) -> str:
    """Revoke the grant now, or queue the revoke (with events to delete first) for the worker.

    Returns ``confirmed``, ``already-invalid`` or ``queued``; the token is sealed into the
    queued job, never kept in the clear.
    """
    vault = current_vault()
    token, kind = None, ""
    for column in ("refresh_token", "access_token"):
        sealed = getattr(conn, f"{column}_sealed")
        if sealed is not None:
            token, kind = vault.open(sealed, connection_binding(conn, column)), column
            break
    if token is None:
        return "already-invalid"
    if not delete_event_ids:
        try:
            confirmed = revoke_token(token)
        except GoogleUnavailable:
            confirmed = None
        if confirmed is not None:
            return "confirmed" if confirmed else "already-invalid"
    # Google is unreachable, or events must still be deleted with this grant: queue both.
    payload: dict[str, Any] = {"token_kind": kind}
    if delete_event_ids:
        payload.update(delete_event_ids=delete_event_ids, send_updates=send_updates)
    job = OutboxJob(
        id=uuid.uuid4(),
        kind=REVOKE_KIND,
        user_id=user.id,
        payload=payload,
        next_attempt_at=not_before,
    )
    job.secret_sealed = vault.seal(token, job_binding(job))
    db.session.add(job)
    return "queued"


def run_revoke_job(job: OutboxJob) -> None:
    """Delete queued events, then revoke the grant; the sealed token is dropped once done.

    Raises:
        GoogleUnavailable: still unreachable; the worker retries with backoff.
    """
    if job.secret_sealed is not None:
        token = current_vault().open(job.secret_sealed, job_binding(job))
        if job.payload.get("delete_event_ids"):
            delete_events_with(
                token,
                job.payload["delete_event_ids"],
                is_refresh_token=job.payload.get("token_kind") == "refresh_token",
                send_updates=str(job.payload.get("send_updates", "all")),
            )
        revoke_token(token)
    job.secret_sealed = None


def revoke_job_outcome(job: OutboxJob, now: datetime) -> Outcome:
    """Run a queued revoke (the ``google.revoke`` kind's handler) and say how it ended.

    Retried with backoff until Google confirms or says the grant is already dead: giving
    up would leave the grant alive at Google and its token sealed here forever. The
    sealed token is dropped once done.
    """
    try:
        run_revoke_job(job)
    except GoogleUnavailable as error:
        return Outcome("retry", error.detail)
    except KalenoError as error:
        return Outcome("failed", error.detail)
    return Outcome("done")


outbox.register_kind(REVOKE_KIND, revoke_job_outcome, max_attempts=None)
