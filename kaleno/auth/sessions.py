"""Browser sessions: the cookie holds a random id, the database its hash.

Unsafe requests authenticated by the cookie must carry ``X-CSRF-Token``, an HMAC of the
session id, so the cookie never holds the token either.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app, g, request, session

from kaleno.auth.api_keys import api_key_user
from kaleno.errors import CSRFFailed, NotAuthenticated
from kaleno.extensions import db
from kaleno.models import User, UserSession, utcnow
from kaleno.vault import fingerprint

SESSION_LIFETIME = timedelta(days=14)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADER = "X-CSRF-Token"


def start_session(user: User) -> None:
    """Replace whatever session the browser had with a new one for ``user`` (no fixation)."""
    end_session()
    session.clear()
    sid = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            id_hash=fingerprint(sid), user_id=user.id, expires_at=utcnow() + SESSION_LIFETIME
        )
    )
    session["sid"] = sid
    session.permanent = True


def end_session() -> None:
    """Forget the current browser session, server-side too."""
    sid = session.get("sid")
    if isinstance(sid, str):
        db.session.query(UserSession).filter_by(id_hash=fingerprint(sid)).delete()
    session.pop("sid", None)


def csrf_token() -> str:
    """The CSRF token for the current session (derived, never stored)."""
    sid = session.get("sid", "")
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"csrf|{sid}".encode(), hashlib.sha256).hexdigest()


def session_user() -> User | None:
    """The signed-in user of this request, or None."""
    if "kaleno_user" in g:
        return g.kaleno_user  # type: ignore[no-any-return]
    user = None
    sid = session.get("sid")
    if isinstance(sid, str):
        row = db.session.query(UserSession).filter_by(id_hash=fingerprint(sid)).one_or_none()
        if row is not None and row.expires_at > utcnow():
            user = db.session.get(User, row.user_id)
    g.kaleno_user = user
    return user


def require_user() -> User:
    """The signed-in user, or the host of a ``kal_`` API key (no CSRF: a browser never
    sends that header by itself); unsafe session requests must carry a valid CSRF token.

    Raises:
        NotAuthenticated: 401 without a live session, or for an unknown or revoked key.
        Forbidden: 403 when the key lacks the route's scope or the route is session-only.
        CSRFFailed: 403 on an unsafe request without the right ``X-CSRF-Token``.
    """
    key_user = api_key_user()
    if key_user is not None:
        return key_user
    user = session_user()
    if user is None:
        raise NotAuthenticated("Sign in with Google first.")
    if request.method in UNSAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not hmac.compare_digest(sent, csrf_token()):
            raise CSRFFailed("Send the X-CSRF-Token header from GET /api/me.")
    return user
