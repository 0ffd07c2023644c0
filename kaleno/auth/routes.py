"""Browser redirects: sign in with Google, connect the calendar, sign out."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, redirect, request
from werkzeug.wrappers import Response

from kaleno import audit
from kaleno.api.spec import operation
from kaleno.auth import attempts
from kaleno.auth.sessions import end_session, require_user, start_session
from kaleno.clock import current_time
from kaleno.errors import Forbidden
from kaleno.extensions import db
from kaleno.grant.consent import SIGNIN_SCOPES, GoogleAuthFailed
from kaleno.grant.tokens import holds_refresh_token, store_grant
from kaleno.models import User
from kaleno.models.google_connection import CALENDAR_SCOPES
from kaleno.outbox import resume_parked

bp = Blueprint("auth", __name__, url_prefix="/auth")
# ``openid`` too, so Google names the account that granted the calendar (id_token ``sub``).
CONNECT_SCOPES = ("openid", *CALENDAR_SCOPES)
log = logging.getLogger(__name__)


class AccessDenied(Forbidden):
    slug = "google-access-denied"
    title = "Access was not granted at Google"


@bp.get("/google/login")
@operation(
    "Start signing in with Google (openid email profile only).",
    tags=("auth",),
    responses={302: None},
)
def login() -> Response:
    """Redirect to Google's consent screen for sign-in."""
    url = attempts.begin(
        "signin",
        SIGNIN_SCOPES,
        user_id=None,
        next_path=attempts.safe_next(request.args.get("next")),
        extra={"prompt": "select_account"},
    )
    return redirect(url)


def _callback_code(kind: str) -> tuple[attempts.ConsumedAttempt, str]:
    consumed = attempts.consume(kind, request.args.get("state"))
    if request.args.get("error"):
        raise AccessDenied("You declined at Google; nothing was changed.")
    code = request.args.get("code")
    if not code:
        raise GoogleAuthFailed("The callback carries no authorization code.")
    return consumed, code


@bp.get("/google/callback")
@operation(
    "Finish signing in: verify the ID token and start a session.",
    tags=("auth",),
    responses={302: None, 400: None, 403: None, 503: None},
)
def callback() -> Response:
    """Verify Google's answer, find or create the user by ``sub``, start a fresh session.

    Raises:
        GoogleAuthFailed: state, code, id_token or nonce rejected; no session is created.
        AccessDenied: the person declined, or the hosted domain is not allowed.
    """
    consumed, code = _callback_code("signin")
    _tokens, claims = attempts.exchange("signin", consumed, code)
    if claims is None:
        raise GoogleAuthFailed("Google sent no ID token.")
    allowed = current_app.config.get("ALLOWED_HOSTED_DOMAINS") or ()
    if allowed and (claims.hosted_domain or "").lower() not in allowed:
        raise AccessDenied("This Google account's domain may not sign in here.")
    user = db.session.query(User).filter_by(google_sub=claims.sub).one_or_none()
    if user is None:
        user = User(google_sub=claims.sub)
        db.session.add(user)
    if claims.email_verified:
        user.email, user.email_verified = claims.email, True
    user.name = claims.name or user.name
    user.hosted_domain = claims.hosted_domain
    user.last_login_at = current_time()
    db.session.flush()
    start_session(user)
    audit.record("signin", actor="user", subject_user_id=user.id)
    log.info("signed in", extra={"user_id": str(user.id)})
    return redirect(consumed.next_path)


@bp.post("/logout")
@operation(
    "Sign out: the session ends server-side too.",
    tags=("auth",),
    auth="session",
    responses={204: None, 401: None, 403: None},
)
def logout() -> Response:
    """End the session (CSRF-protected)."""
    require_user()
    end_session()
    return Response(status=204)


@bp.get("/google/calendar")
@operation(
    "Connect Google Calendar: freebusy and events.owned, plus openid to check the account.",
    tags=("auth",),
    auth="session",
    responses={302: None, 401: None},
)
def connect_calendar() -> Response:
    """Redirect to Google for the calendar scopes, incrementally and in context."""
    user = require_user()
    extra = {
        "access_type": "offline",
        "include_granted_scopes": "true",
        "login_hint": user.email or user.google_sub,
    }
    if not holds_refresh_token(user):
        extra["prompt"] = "consent"
    url = attempts.begin(
        "calendar",
        CONNECT_SCOPES,
        user_id=user.id,
        next_path=attempts.safe_next(request.args.get("next")),
        extra=extra,
    )
    return redirect(url)


@bp.get("/google/calendar/callback")
@operation(
    "Finish connecting the calendar; a partial grant is recorded as such.",
    tags=("auth",),
    auth="session",
    responses={302: None, 400: None, 401: None, 403: None, 409: None},
)
def calendar_callback() -> Response:
    """Store whatever Google granted (sealed) and return to the app.

    Raises:
        GoogleAuthFailed: state/code rejected, or the Google account is not the signed-in one.
        AccessDenied: the person declined every calendar permission at Google.
    """
    user = require_user()
    consumed, code = _callback_code("calendar")
    if consumed.user_id != user.id:
        raise GoogleAuthFailed("This calendar connection was started by another user.")
    tokens, claims = attempts.exchange("calendar", consumed, code)
    if claims is None:
        raise GoogleAuthFailed("Google did not say which account granted the calendar.")
    if claims.sub != user.google_sub:
        raise GoogleAuthFailed("Connect the calendar of the Google account you signed in with.")
    conn = store_grant(user, tokens, current_time())
    resume_parked(user.id)  # Google work parked while the grant was unusable runs again
    audit.record(
        "calendar.connect", actor="user", subject_user_id=user.id, scopes=sorted(conn.scopes)
    )
    log.info("calendar connected", extra={"user_id": str(user.id)})
    return redirect(consumed.next_path)
