"""API keys: created and shown once, stored as a hash, scoped, revoked at once.

A request with ``Authorization: Bearer kal_…`` acts for the key's host on the routes its
scopes allow, without CSRF (a browser never adds that header on its own). The key is
looked up on every request, so a revocation holds from the next request on.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from flask import request
from sqlalchemy import select

from kaleno.auth.scopes import required_scope
from kaleno.errors import Forbidden, NotAuthenticated, NotFound
from kaleno.extensions import db
from kaleno.models import ApiKey, User, utcnow
from kaleno.unit_of_work import commit_apart
from kaleno.vault import fingerprint

KEY_PREFIX = "kal_"
SHOWN_PREFIX_LENGTH = 12  # "kal_" and 8 random characters: enough to tell keys apart
# last_used_at is written at most this often per key, and committed at once (its own step,
# before the request's work), so busy keys do not serialize on it.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def new_key() -> str:
    """A fresh API key (``kal_`` and 43 URL-safe characters, 256 random bits)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def create_key(user: User, name: str, scopes: Sequence[str], now: datetime) -> tuple[ApiKey, str]:
    """Add a key for ``user`` in the caller's transaction; return the row and the key itself."""
    key = new_key()
    row = ApiKey(
        id=uuid.uuid4(),
        user_id=user.id,
        name=name,
        prefix=key[:SHOWN_PREFIX_LENGTH],
        key_hash=fingerprint(key),
        scopes=sorted(set(scopes)),
        created_at=now,
    )
    db.session.add(row)
    return row, key


def list_keys(user: User) -> list[ApiKey]:
    """The host's keys, revoked ones included, newest first."""
    query = select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.created_at.desc())
    return list(db.session.scalars(query))


def revoke_key(user: User, key_id: uuid.UUID, now: datetime) -> None:
    """Revoke one of the host's keys (the caller commits); revoking twice changes nothing.

    Raises:
        NotFound: 404 when the host has no such key.
    """
    row = db.session.get(ApiKey, key_id)
    if row is None or row.user_id != user.id:
        raise NotFound("No API key with this id.")
    if row.revoked_at is None:
        row.revoked_at = now


def presented_key() -> str | None:
    """The ``kal_`` key in this request's ``Authorization: Bearer`` header, if any."""
    scheme, _, credential = request.headers.get("Authorization", "").strip().partition(" ")
    credential = credential.strip()
    if scheme.lower() == "bearer" and credential.startswith(KEY_PREFIX):
        return credential
    return None


def _row_for(key: str) -> ApiKey | None:
    return db.session.scalars(select(ApiKey).where(ApiKey.key_hash == fingerprint(key))).first()


def is_api_key(token: str) -> bool:
    """Whether ``token`` is one of our API keys (live or revoked), not a manage token."""
    return token.startswith(KEY_PREFIX) and _row_for(token) is not None


def api_key_user() -> User | None:
    """The host this request acts for through an API key; None when it sends no key.

    Raises:
        NotAuthenticated: 401 for an unknown or revoked key.
        Forbidden: 403 when the route is session-only or the key lacks its scope.
    """
    key = presented_key()
    if key is None:
        return None
    row = _row_for(key)
    if row is None or row.revoked_at is not None:
        raise NotAuthenticated("This API key is unknown or revoked.")
    rule = request.url_rule.rule if request.url_rule is not None else request.path
    scope = required_scope(rule, request.method)
    if scope is None:
        raise Forbidden("API keys cannot be used here; sign in instead.")
    if scope not in row.scopes:
        raise Forbidden(f"This API key lacks the {scope} scope.")
    now = utcnow()
    user_id = row.user_id
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        commit_apart("key last used", row, last_used_at=now)  # kept if the request fails
    user = db.session.get(User, user_id)
    if user is None:  # erased meanwhile; its keys went with it
        raise NotAuthenticated("This API key is unknown or revoked.")
    return user
