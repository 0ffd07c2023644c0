"""Push channels: open and renew them, stop them, and check incoming notifications.

A channel's token is 32 random bytes sent to Google once; only its SHA-256 is stored
and a notification's token is compared with ``hmac.compare_digest`` (constant time).
The row is committed *before* ``events.watch`` is called, because Google may deliver
the ``sync`` message before the watch call returns; the opened channel is then committed
with the ``calendar.watch`` job's outcome.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select

from kaleno.extensions import db
from kaleno.grant import calls
from kaleno.models import GoogleChannel, User
from kaleno.sync import jobs
from kaleno.unit_of_work import commit_step

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/webhooks/google/calendar"
LIVE = ("opening", "active")
# Compared against when the channel id is unknown, so both paths do the same work.
_DUMMY_HASH = hashlib.sha256(b"kaleno-no-such-channel").hexdigest()


def hash_token(token: str) -> str:
    """The stored form of a channel token."""
    return hashlib.sha256(token.encode()).hexdigest()


def push_enabled() -> bool:
    """Whether channels are used: ``SYNC_PUSH`` on, or auto with a public https BASE_URL."""
    mode = str(current_app.config.get("SYNC_PUSH", "auto")).lower()
    if mode in ("on", "off"):
        return mode == "on"
    return str(current_app.config.get("BASE_URL", "")).startswith("https://")


def webhook_address() -> str:
    """Where Google posts notifications."""
    return str(current_app.config["BASE_URL"]).rstrip("/") + WEBHOOK_PATH


def live_channel(user_id: uuid.UUID, now: datetime) -> GoogleChannel | None:
    """The host's newest active channel that has not expired."""
    return db.session.scalars(
        select(GoogleChannel)
        .where(
            GoogleChannel.user_id == user_id,
            GoogleChannel.status == "active",
            GoogleChannel.expires_at > now,
        )
        .order_by(GoogleChannel.expires_at.desc())
        .limit(1)
    ).first()


def needs_channel(user_id: uuid.UUID, now: datetime) -> bool:
    """No live channel, or the live one expires within the renewal margin."""
    margin = timedelta(seconds=float(current_app.config.get("SYNC_RENEW_BEFORE_S", 3600)))
    channel = live_channel(user_id, now)
    return channel is None or channel.expires_at is None or channel.expires_at <= now + margin


def open_channel(host: User, now: datetime) -> GoogleChannel:
    """Open a new channel for ``host`` (outbox job ``calendar.watch``); older live
    channels become ``replaced`` and get a stop queued (the job's unit commits them).

    Raises:
        the problems of ``calls.watch`` (the job retries or parks).
    """
    token = secrets.token_urlsafe(32)
    channel = GoogleChannel(id=uuid.uuid4(), user_id=host.id, token_hash=hash_token(token))
    db.session.add(channel)
    commit_step("before remote call")  # the sync message may come before watch answers
    ttl = float(current_app.config.get("SYNC_CHANNEL_TTL_S", 604800))
    asked_ms = int((now.timestamp() + ttl) * 1000)
    try:
        answer = calls.watch_primary(host, now, str(channel.id), webhook_address(), token, asked_ms)
    except Exception:
        channel.status = "stopped"
        commit_step("job outcome")  # the run ends here; the job records why it failed
        raise
    channel.resource_id = str(answer.get("resourceId") or "") or None
    expiration = int(str(answer.get("expiration") or asked_ms))
    channel.expires_at = datetime.fromtimestamp(expiration / 1000, UTC)
    channel.status = "active"
    for older in db.session.scalars(
        select(GoogleChannel).where(
            GoogleChannel.user_id == host.id,
            GoogleChannel.id != channel.id,
            GoogleChannel.status.in_(LIVE),
        )
    ):
        retire(older, now)
    log.info("calendar channel opened", extra={"channel_id": str(channel.id)})
    return channel


def retire(channel: GoogleChannel, now: datetime) -> None:
    """Mark a channel replaced and queue its stop (in the caller's transaction)."""
    channel.status = "replaced"
    if channel.resource_id:
        payload = {"channel_id": str(channel.id), "resource_id": channel.resource_id}
        jobs.enqueue(jobs.UNWATCH_KIND, channel.user_id, now, payload)


def stop_all(host: User, now: datetime) -> int:
    """Stop every channel of ``host`` now (disconnect, erasure, restriction), best effort:
    a channel Google cannot stop now ends at its expiration, and its notifications are
    refused because its row is gone. Deletes the rows; the caller commits."""
    query = select(GoogleChannel).where(GoogleChannel.user_id == host.id)
    channels = list(db.session.scalars(query))
    stopped = 0
    for channel in channels:
        if channel.resource_id and channel.status in (*LIVE, "replaced"):
            try:
                calls.stop(host, now, str(channel.id), channel.resource_id)
                stopped += 1
            except Exception as error:  # never block a disconnect on Google
                name = type(error).__name__
                log.warning("could not stop a calendar channel", extra={"error": name})
        db.session.delete(channel)
    return stopped


@dataclass(frozen=True)
class Verdict:
    """What a notification turned out to be."""

    status: int  # HTTP status to answer
    user_id: uuid.UUID | None = None
    sync: bool = False  # queue an incremental sync
    stale: bool = False  # a channel we replaced or that expired: stop it


def check(
    channel_id: str, token: str, resource_id: str, state: str, number: str, now: datetime
) -> Verdict:
    """Judge a notification's headers against the stored channel (no Google call)."""
    try:
        key = uuid.UUID(channel_id)
    except ValueError:
        key = None
    channel = db.session.get(GoogleChannel, key) if key is not None else None
    expected = channel.token_hash if channel is not None else _DUMMY_HASH
    token_ok = hmac.compare_digest(expected, hash_token(token))
    if channel is None:
        return Verdict(404)
    if not token_ok or (channel.resource_id and resource_id != channel.resource_id):
        return Verdict(403)
    if number.isdigit():
        channel.last_message_number = max(channel.last_message_number or 0, int(number))
    expired = channel.expires_at is not None and channel.expires_at <= now
    if channel.status not in LIVE or expired:
        stale = channel.status != "stopped"
        return Verdict(200, channel.user_id, sync=state != "sync", stale=stale)
    return Verdict(200, channel.user_id, sync=state != "sync")
