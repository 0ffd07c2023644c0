"""Revoking a grant at Google, and the calls a queued revoke makes with its raw token."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kaleno import outbox
from kaleno.errors import KalenoError
from kaleno.extensions import db
from kaleno.google import calendar, oauth, watch
from kaleno.google.credentials import GrantRevoked, usable_access_token
from kaleno.google.endpoints import current_endpoints
from kaleno.google.errors import GoogleUnavailable
from kaleno.grant.tokens import REVOKE_KIND, client_credentials
from kaleno.models import GoogleConnection, OutboxJob, User, utcnow
from kaleno.models.google_connection import EVENTS_SCOPE
from kaleno.outbox import Outcome
from kaleno.sealed import connection_binding, job_binding
from kaleno.vault import current_vault

log = logging.getLogger(__name__)


def revoke_token(token: str) -> bool:
    """Revoke ``token`` at Google: True when confirmed, False when it was already invalid.

    Raises:
        GoogleUnavailable: Google could not be reached.
    """
    return oauth.revoke(current_endpoints(), token)


def _access_with(token: str, *, is_refresh_token: bool) -> str | None:
    """An access token from a queued revoke's raw token; None when the grant is gone."""
    if not is_refresh_token:
        return token
    try:
        return usable_access_token(
            current_endpoints(),
            client_credentials(),
            access_token=None,
            expires_at=None,
            refresh_token=token,
            scopes=frozenset({EVENTS_SCOPE}),
            now=utcnow(),
        ).token
    except GrantRevoked:
        return None  # the grant is gone, and with it Kaleno's access to those events


def sealed_token(conn: GoogleConnection) -> tuple[str, str] | None:
    """The grant's raw token (the refresh token if any) and its kind; None if none is held."""
    vault = current_vault()
    for column in ("refresh_token", "access_token"):
        sealed = getattr(conn, f"{column}_sealed")
        if sealed is not None:
            return vault.open(sealed, connection_binding(conn, column)), column
    return None


def queue_revoke(
    user: User,
    conn: GoogleConnection,
    *,
    stop_channels: list[tuple[str, str]],
    delete_event_ids: list[str],
    send_updates: str,
    not_before: datetime,
    lease_until: datetime | None,
) -> OutboxJob | None:
    """Queue the one job that makes Google forget the grant, in the caller's unit: stop the
    push channels ``(id, resource id)``, delete the events, then revoke.

    The token is sealed into the job, never kept in the clear; None when the connection
    holds no token (nothing to revoke: already invalid). ``lease_until`` keeps the job for
    the caller's own inline run after its commit.
    """
    token = sealed_token(conn)
    if token is None:
        return None
    payload: dict[str, Any] = {"token_kind": token[1], "ran": dict(_NOTHING_RAN)}
    if stop_channels:
        payload["stop_channels"] = [{"id": c, "resource_id": r} for c, r in stop_channels]
    if delete_event_ids:
        payload.update(delete_event_ids=delete_event_ids, send_updates=send_updates)
    job = OutboxJob(
        id=uuid.uuid4(),
        kind=REVOKE_KIND,
        user_id=user.id,
        payload=payload,
        next_attempt_at=not_before,
        locked_until=lease_until,
    )
    job.secret_sealed = current_vault().seal(token[0], job_binding(job))
    db.session.add(job)
    return job


@dataclass(frozen=True)
class RevokeProgress:
    """What a queued revoke has done so far, as its runs recorded it in the payload."""

    revoke: str  # confirmed, already-invalid, or queued (not run to its end yet)
    channels_stopped: int
    events_deleted: int
    events_not_deleted: int  # Google would not delete them, or the grant died first
    events_waiting: int  # still to delete by a later run


def progress(job: OutboxJob) -> RevokeProgress:
    """Read what the runs of ``job`` recorded."""
    ran = {**_NOTHING_RAN, **job.payload.get("ran", {})}
    revoke = str(ran["revoke"]) if job.status == "done" and ran["revoke"] else "queued"
    return RevokeProgress(
        revoke=revoke,
        channels_stopped=int(ran["channels_stopped"]),
        events_deleted=int(ran["events_deleted"]),
        events_not_deleted=int(ran["events_not_deleted"]),
        events_waiting=len(job.payload.get("delete_event_ids", [])),
    )


def run_revoke_job(job: OutboxJob) -> None:
    """Stop the channels, delete the events, then revoke the grant, recording each step in
    the job's payload (a retry goes on from there); the Google ids and the sealed token are
    dropped once done.

    Raises:
        GoogleUnavailable: still unreachable; the worker retries with backoff.
    """
    if job.secret_sealed is not None:
        token = current_vault().open(job.secret_sealed, job_binding(job))
        _Run(job, token).forget()
    else:
        job.payload = {k: v for k, v in job.payload.items() if k not in _GOOGLE_IDS}
    job.secret_sealed = None


_NOTHING_RAN: dict[str, Any] = {
    "channels_stopped": 0,
    "events_deleted": 0,
    "events_not_deleted": 0,
    "revoke": None,
}
_GOOGLE_IDS = ("stop_channels", "delete_event_ids")


class _Run:
    """One run of a queued revoke: each step is written back to the payload as it ends."""

    def __init__(self, job: OutboxJob, token: str) -> None:
        self.job, self.token = job, token
        self.is_refresh = job.payload.get("token_kind") == "refresh_token"
        self._access: str | None = None
        self._dead = False

    def forget(self) -> None:
        self._stop_channels()
        self._delete_events()
        confirmed = revoke_token(self.token)
        self._record(revoke="confirmed" if confirmed else "already-invalid")
        self.job.payload = {k: v for k, v in self.job.payload.items() if k not in _GOOGLE_IDS}

    def _access_token(self) -> str | None:
        if self._access is None and not self._dead:
            self._access = _access_with(self.token, is_refresh_token=self.is_refresh)
            self._dead = self._access is None
        return self._access

    def _stop_channels(self) -> None:
        """Best effort, once: a channel Google cannot stop ends at its expiration, and its
        notifications are refused (its row is gone)."""
        channels = list(self.job.payload.get("stop_channels", []))
        stopped = 0
        for channel in channels:
            access = self._access_token()
            if access is None:
                break
            try:
                watch.stop_channel(
                    current_endpoints().calendar_api, access, channel["id"], channel["resource_id"]
                )
                stopped += 1
            except Exception as error:  # never hold the revoke back for a channel
                log.warning(
                    "could not stop a calendar channel", extra={"error": type(error).__name__}
                )
        self._record(channels_stopped=stopped, stop_channels=[])

    def _delete_events(self) -> None:
        waiting = list(self.job.payload.get("delete_event_ids", []))
        send_updates = str(self.job.payload.get("send_updates", "all"))
        while waiting:
            access = self._access_token()
            if access is None:
                break
            try:
                calendar.delete_event(
                    current_endpoints().calendar_api,
                    access,
                    waiting[0],
                    send_updates=send_updates,
                    retries=1,
                )
            except calendar.AccessTokenRejected:
                break  # revoked meanwhile: nothing more can be deleted with this grant
            except GoogleUnavailable:
                raise  # retried: the ids still waiting stay in the payload
            except Exception as error:  # Google will not delete this one: go on
                log.warning("could not delete an event", extra={"error": type(error).__name__})
                self._record(events_not_deleted=1, delete_event_ids=waiting[1:])
            else:
                self._record(events_deleted=1, delete_event_ids=waiting[1:])
            waiting = waiting[1:]
        self._record(events_not_deleted=len(waiting), delete_event_ids=[])

    def _record(self, **done: Any) -> None:
        payload = dict(self.job.payload)
        ran = {**_NOTHING_RAN, **payload.get("ran", {})}
        for key, value in done.items():
            if key in _GOOGLE_IDS:
                payload[key] = value
            elif isinstance(value, int):
                ran[key] = int(ran[key]) + value
            else:
                ran[key] = value
        payload["ran"] = ran
        self.job.payload = payload  # a new dict: the JSON column sees the change


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
