"""The consent step that creates a grant: Google's authorization URL, the code exchange and
the ID token check (sign-in and calendar connect). ``kaleno.auth.attempts`` keeps the
attempt's state; every call to Google for it is made here, with the app's client."""

from __future__ import annotations

from kaleno.google.endpoints import current_endpoints
from kaleno.google.errors import GoogleAuthFailed as GoogleAuthFailed
from kaleno.google.oauth import SIGNIN_SCOPES as SIGNIN_SCOPES
from kaleno.google.oauth import IdentityClaims as IdentityClaims
from kaleno.google.oauth import TokenResponse as TokenResponse
from kaleno.google.oauth import authorization_url, exchange_code, verify_identity
from kaleno.google.oauth import new_pkce_pair as new_pkce_pair
from kaleno.grant.tokens import client_credentials


def consent_url(
    *,
    redirect_uri: str,
    scopes: tuple[str, ...],
    state: str,
    nonce: str,
    code_challenge: str,
    extra: dict[str, str],
) -> str:
    """Google's authorization URL for this app's client."""
    return authorization_url(
        current_endpoints(),
        client_credentials(),
        redirect_uri=redirect_uri,
        scopes=scopes,
        state=state,
        nonce=nonce,
        code_challenge=code_challenge,
        extra=extra,
    )


def exchange(
    *, code: str, redirect_uri: str, code_verifier: str, nonce: str
) -> tuple[TokenResponse, IdentityClaims | None]:
    """Trade the code (with the PKCE verifier) and verify the ID token if Google sent one.

    Raises:
        GoogleAuthFailed: the code, the ID token or its nonce was rejected.
    """
    endpoints, client = current_endpoints(), client_credentials()
    tokens = exchange_code(
        endpoints, client, code=code, redirect_uri=redirect_uri, code_verifier=code_verifier
    )
    claims = None
    if tokens.id_token:
        claims = verify_identity(endpoints, client, tokens.id_token, nonce=nonce)
    return tokens, claims
