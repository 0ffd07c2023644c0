"""The manage grant: what the manage link is traded for.

``/m/{token}`` checks the token once and answers with a short-lived cookie scoped to that
booking's pages (``Path=/m/b/{id}``). The cookie holds a signed, timestamped booking id:
neither the token nor its hash, so it can leak nothing that opens the booking later.
"""

from __future__ import annotations

import uuid

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

GRANT_COOKIE = "kaleno_manage"
GRANT_MAX_AGE_S = 30 * 60
_SALT = "kaleno.manage-grant"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def manage_path(booking_id: uuid.UUID) -> str:
    """The path prefix of one booking's manage pages (the grant cookie's scope)."""
    return f"/m/b/{booking_id}"


def grant(response: Response, booking_id: uuid.UUID) -> None:
    """Let this browser manage ``booking_id`` for the next half hour."""
    response.set_cookie(
        GRANT_COOKIE,
        _serializer().dumps(str(booking_id)),
        max_age=GRANT_MAX_AGE_S,
        path=manage_path(booking_id),
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE", False)),
    )


def granted(booking_id: uuid.UUID) -> bool:
    """Whether this request carries a live grant for ``booking_id``."""
    value = request.cookies.get(GRANT_COOKIE, "")
    if not value:
        return False
    try:
        granted_id = _serializer().loads(value, max_age=GRANT_MAX_AGE_S)
    except BadSignature:  # also SignatureExpired
        return False
    return bool(granted_id == str(booking_id))
