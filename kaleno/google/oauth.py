"""OAuth 2.0 / OpenID Connect against Google: authorization URL, code exchange, id_token, revoke.

The code exchange is a direct form POST (HTTP Basic client authentication, PKCE verifier)
rather than oauthlib's session, which insists on HTTPS and rejects changed scopes; Google's
granular consent makes a changed scope list the normal case, not an error.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import google.auth.exceptions
import requests
from flask import current_app, has_app_context
from google.oauth2 import id_token as google_id_token

from kaleno.google.endpoints import GoogleEndpoints
from kaleno.google.errors import GoogleAuthFailed, GoogleUnavailable
from kaleno.google.timeouts import BoundedRequest, http_timeout_s

log = logging.getLogger(__name__)
SIGNIN_SCOPES = ("openid", "email", "profile")
# Tolerated clock difference between Google and this server for id_token iat/exp
# (google-auth's default is none). Bounded: 30 s to 5 min.
CLOCK_SKEW_MIN_S, CLOCK_SKEW_DEFAULT_S, CLOCK_SKEW_MAX_S = 30, 60, 300
_session = requests.Session()


@dataclass(frozen=True)
class ClientCredentials:
    client_id: str
    client_secret: str = field(repr=False)


@dataclass(frozen=True)
class TokenResponse:
    """What the token endpoint granted. ``repr`` never shows a token."""

    access_token: str = field(repr=False)
    expires_in: int
    scopes: frozenset[str]
    refresh_token: str | None = field(default=None, repr=False)
    id_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class IdentityClaims:
    sub: str
    email: str | None
    email_verified: bool
    name: str | None
    hosted_domain: str | None
    nonce: str | None


def new_pkce_pair() -> tuple[str, str]:
    """Return ``(verifier, S256 challenge)`` per RFC 7636."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorization_url(
    endpoints: GoogleEndpoints,
    client: ClientCredentials,
    *,
    redirect_uri: str,
    scopes: tuple[str, ...],
    state: str,
    nonce: str,
    code_challenge: str,
    extra: dict[str, str] | None = None,
) -> str:
    """Build the URL that sends the browser to Google's consent screen."""
    params = {
        "client_id": client.client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": " ".join(scopes),
        "state": state,
        "nonce": nonce,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
        **(extra or {}),
    }
    return f"{endpoints.authorization}?{urllib.parse.urlencode(params)}"


def exchange_code(
    endpoints: GoogleEndpoints,
    client: ClientCredentials,
    *,
    code: str,
    redirect_uri: str,
    code_verifier: str,
) -> TokenResponse:
    """Trade an authorization code for tokens.

    Raises:
        GoogleAuthFailed: Google refused the code (expired, reused, PKCE mismatch…).
        GoogleUnavailable: Google could not be reached.
    """
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": code_verifier,
    }
    body = _post_token(endpoints, client, form)
    try:
        return TokenResponse(
            access_token=str(body["access_token"]),
            expires_in=int(body.get("expires_in", 3600)),
            scopes=frozenset(str(body.get("scope", "")).split()),
            refresh_token=body.get("refresh_token"),
            id_token=body.get("id_token"),
        )
    except (KeyError, TypeError, ValueError):
        raise GoogleAuthFailed("Google's token response was incomplete.") from None


def _post_token(
    endpoints: GoogleEndpoints, client: ClientCredentials, form: dict[str, str]
) -> dict[str, Any]:
    try:
        response = _session.post(
            endpoints.token,
            data=form,
            auth=(client.client_id, client.client_secret),
            timeout=http_timeout_s(),
        )
    except requests.RequestException:
        raise GoogleUnavailable("Google's token endpoint could not be reached.") from None
    if response.status_code >= 500:
        raise GoogleUnavailable("Google's token endpoint failed; try again.")
    try:
        body: dict[str, Any] = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200:
        error = str(body.get("error", "unknown_error"))[:64]
        log.info("token exchange refused", extra={"oauth_error": error})
        raise GoogleAuthFailed(f"Google refused the authorization code ({error}).")
    return body


def verify_identity(
    endpoints: GoogleEndpoints, client: ClientCredentials, raw_id_token: str, *, nonce: str
) -> IdentityClaims:
    """Check the id_token's signature, audience, issuer, expiry and nonce; return its claims.

    Raises:
        GoogleAuthFailed: the token is not one Google issued for this sign-in.
    """
    try:
        claims: Mapping[str, Any] = google_id_token.verify_token(
            raw_id_token,
            BoundedRequest(_session),
            audience=client.client_id,
            certs_url=endpoints.certs,
            clock_skew_in_seconds=clock_skew_s(),
        )
    except google.auth.exceptions.TransportError:
        raise GoogleUnavailable("Google's signing keys could not be fetched.") from None
    except (ValueError, google.auth.exceptions.GoogleAuthError) as error:
        reason = _id_token_reason(str(error))
        raise GoogleAuthFailed(f"The ID token was rejected: {reason}.") from None
    if claims.get("iss") not in endpoints.issuers:
        raise GoogleAuthFailed("The ID token was rejected: wrong issuer.")
    if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
        raise GoogleAuthFailed("The ID token was rejected: nonce mismatch.")
    return IdentityClaims(
        sub=str(claims["sub"]),
        email=claims.get("email"),
        email_verified=claims.get("email_verified") in (True, "true"),
        name=claims.get("name"),
        hosted_domain=claims.get("hd"),
        nonce=claims.get("nonce"),
    )


def clock_skew_s() -> int:
    """The id_token clock tolerance (``KALENO_GOOGLE_CLOCK_SKEW_S``), kept within bounds."""
    configured = CLOCK_SKEW_DEFAULT_S
    if has_app_context():
        configured = int(current_app.config.get("GOOGLE_CLOCK_SKEW_S", CLOCK_SKEW_DEFAULT_S))
    return max(CLOCK_SKEW_MIN_S, min(CLOCK_SKEW_MAX_S, configured))


def _id_token_reason(message: str) -> str:
    lowered = message.lower()
    for needle, reason in (
        ("audience", "wrong audience"),
        ("expired", "expired"),
        ("too early", "not yet valid"),
        ("signature", "bad signature"),
        ("certificate", "bad signature"),
    ):
        if needle in lowered:
            return reason
    return "invalid token"


def revoke(endpoints: GoogleEndpoints, token: str) -> bool:
    """Revoke a grant at Google: True when Google confirmed, False when the token was
    already invalid (which also leaves nothing to revoke).

    Raises:
        GoogleUnavailable: Google could not be reached or failed (retry later).
    """
    try:
        response = _session.post(endpoints.revoke, data={"token": token}, timeout=http_timeout_s())
    except requests.RequestException:
        raise GoogleUnavailable("Google's revoke endpoint could not be reached.") from None
    if response.status_code >= 500 or response.status_code == 429:
        raise GoogleUnavailable("Google's revoke endpoint failed; it will be retried.")
    if response.status_code not in (200, 400):
        raise GoogleUnavailable(f"Google's revoke endpoint answered {response.status_code}.")
    # 400 invalid_token: the grant is already gone, which is what revoking wants.
    return response.status_code == 200
