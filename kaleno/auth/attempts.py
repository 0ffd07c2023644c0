"""In-flight authorization attempts: single-use state, nonce and PKCE verifier per redirect.

The redirect, the code exchange and the ID token check are made through
``kaleno.grant.consent``, which owns every call to Google.
"""

from __future__ import annotations

import hmac
import secrets
import urllib.parse
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app, session

from kaleno.extensions import db
from kaleno.grant import consent
from kaleno.grant.consent import GoogleAuthFailed, IdentityClaims, TokenResponse, new_pkce_pair
from kaleno.models import OAuthAttempt, utcnow
from kaleno.sealed import attempt_binding
from kaleno.unit_of_work import commit_step
from kaleno.vault import current_vault, fingerprint

ATTEMPT_LIFETIME = timedelta(minutes=10)
MAX_NEXT_LENGTH = 512  # oauth_attempts.next_path
SESSION_KEY = "oauth_attempt"


@dataclass(frozen=True)
class ConsumedAttempt:
    """A verified callback's attempt: what the token exchange and id_token check need."""

    kind: str
    user_id: uuid.UUID | None
    nonce: str
    next_path: str
    code_verifier: str = field(repr=False)


def redirect_uri(kind: str) -> str:
    """The registered callback for ``kind`` ("signin" or "calendar")."""
    path = "/auth/google/callback" if kind == "signin" else "/auth/google/calendar/callback"
    return f"{current_app.config['BASE_URL']}{path}"


def safe_next(raw: str | None) -> str:
    """Return ``raw`` when it is a same-origin path, else "/" (no open redirects)."""
    if not raw or len(raw) > MAX_NEXT_LENGTH:  # longer than the column that keeps it
        return "/"
    if not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return "/"
    parts = urllib.parse.urlsplit(raw)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in raw):
        return "/"
    return raw


def begin(
    kind: str,
    scopes: tuple[str, ...],
    *,
    user_id: uuid.UUID | None,
    next_path: str,
    extra: dict[str, str],
) -> str:
    """Record a new attempt bound to this browser and return Google's authorization URL."""
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier, challenge = new_pkce_pair()
    attempt = OAuthAttempt(
        id=uuid.uuid4(),
        kind=kind,
        user_id=user_id,
        state_hash=fingerprint(state),
        nonce=nonce,
        next_path=next_path,
        expires_at=utcnow() + ATTEMPT_LIFETIME,
        code_verifier_sealed=b"",
    )
    attempt.code_verifier_sealed = current_vault().seal(verifier, attempt_binding(attempt))
    db.session.add(attempt)
    _discard_previous()
    session[SESSION_KEY] = str(attempt.id)
    commit_step("sign-in attempt")
    return consent.consent_url(
        redirect_uri=redirect_uri(kind),
        scopes=scopes,
        state=state,
        nonce=nonce,
        code_challenge=challenge,
        extra=extra,
    )


def consume(kind: str, state: str | None) -> ConsumedAttempt:
    """Take this browser's pending attempt for ``kind``, once, checking ``state``.

    The attempt is deleted before anything else happens, so a replayed callback fails.

    Raises:
        GoogleAuthFailed: no pending attempt, wrong kind, expired, or state mismatch.
    """
    attempt_id = session.pop(SESSION_KEY, None)
    attempt = _load(attempt_id)
    if attempt is None:
        raise GoogleAuthFailed("No sign-in is in progress in this browser (or it was used).")
    db.session.delete(attempt)
    commit_step("sign-in attempt")
    if attempt.kind != kind:
        raise GoogleAuthFailed("This callback does not belong to the attempt in progress.")
    if attempt.expires_at <= utcnow():
        raise GoogleAuthFailed("The sign-in attempt expired; start again.")
    if not state or not hmac.compare_digest(fingerprint(state), attempt.state_hash):
        raise GoogleAuthFailed("The state parameter is missing or does not match.")
    return ConsumedAttempt(
        kind=attempt.kind,
        user_id=attempt.user_id,
        nonce=attempt.nonce,
        next_path=attempt.next_path,
        code_verifier=current_vault().open(attempt.code_verifier_sealed, attempt_binding(attempt)),
    )


def _load(attempt_id: object) -> OAuthAttempt | None:
    if not isinstance(attempt_id, str):
        return None
    try:
        return db.session.get(OAuthAttempt, uuid.UUID(attempt_id))
    except ValueError:
        return None


def _discard_previous() -> None:
    previous = _load(session.get(SESSION_KEY))
    if previous is not None:
        db.session.delete(previous)
    db.session.query(OAuthAttempt).filter(OAuthAttempt.expires_at < utcnow()).delete()


def exchange(
    kind: str, consumed: ConsumedAttempt, code: str
) -> tuple[TokenResponse, IdentityClaims | None]:
    """Trade the code (with the attempt's PKCE verifier) and verify the ID token if sent."""
    return consent.exchange(
        code=code,
        redirect_uri=redirect_uri(kind),
        code_verifier=consumed.code_verifier,
        nonce=consumed.nonce,
    )
