"""Authorization codes, grants and tokens: issue, exchange, refresh, revoke.

All functions expect ``state.lock`` to be held by the caller.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from typing import Any

from kaleno.emulator.keys import at_hash, signing_key
from kaleno.emulator.scopes import EMAIL_SCOPE, PROFILE_SCOPE, SIGN_IN_SCOPES, normalize_scopes
from kaleno.emulator.state import (
    AUTH_CODE_TTL_S,
    AccessToken,
    Account,
    AuthCode,
    AuthRequest,
    EmulatorState,
    Grant,
)


class OAuthFailure(Exception):
    """An RFC 6749 error the token endpoint answers with."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(error)
        self.error = error
        self.description = description
        self.status = status


def _bad_grant(description: str = "Bad Request") -> OAuthFailure:
    return OAuthFailure("invalid_grant", description)


def granted_scopes(
    state: EmulatorState, request: AuthRequest, account: Account, allowed: list[str] | None
) -> list[str]:
    """Scopes the user grants: requested ∩ allowed, plus earlier grants if incremental.

    Requested sign-in scopes are always granted with the rest: Google shows them on a
    consent page of their own before the granular screen for the other scopes
    (developers.google.com/identity/protocols/oauth2/resources/granular-permissions).
    """
    granted = [s for s in request.scopes if allowed is None or s in allowed or s in SIGN_IN_SCOPES]
    if request.include_granted_scopes:
        earlier = state.consents.get((request.client_id, account.sub), [])
        granted = list(dict.fromkeys([*earlier, *granted]))
    return granted


def issue_code(
    state: EmulatorState, request: AuthRequest, account: Account, scopes: list[str]
) -> str:
    """Create a single-use authorization code and remember the consent."""
    key = (request.client_id, account.sub)
    earlier = state.consents.get(key, [])
    forced = "consent" in (request.prompt or "").split()
    repeat = bool(earlier) and set(scopes) <= set(earlier) and not forced
    state.consents[key] = list(dict.fromkeys([*earlier, *scopes]))
    code = "4/0A" + secrets.token_urlsafe(48)
    state.codes[code] = AuthCode(
        request=request,
        sub=account.sub,
        scopes=scopes,
        expires_at=time.time() + AUTH_CODE_TTL_S,
        repeat_consent=repeat,
    )
    return code


def _verify_pkce(challenge: str | None, verifier: str | None) -> None:
    if challenge is None:
        return
    if not verifier:
        raise _bad_grant("Missing code verifier.")
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    if not hmac.compare_digest(expected, challenge):
        raise _bad_grant("Invalid code verifier.")


def exchange_code(
    state: EmulatorState,
    code: str,
    client_id: str,
    redirect_uri: str | None,
    code_verifier: str | None,
    issuer: str,
) -> dict[str, Any]:
    """Trade a code for tokens.

    Raises:
        OAuthFailure: invalid_grant for an unknown, expired, reused or mismatched code
            (reuse also revokes the grant the code created).
    """
    record = state.codes.get(code)
    if record is None:
        raise _bad_grant("Malformed auth code.")
    if record.used:
        if record.grant_id is not None:
            state.revoke_grant(record.grant_id)
        raise _bad_grant()
    if record.expires_at <= time.time() or record.request.client_id != client_id:
        raise _bad_grant()
    if redirect_uri != record.request.redirect_uri:
        raise _bad_grant()
    _verify_pkce(record.request.code_challenge, code_verifier)
    record.used = True
    refresh_token = None
    # Google sends a refresh token on the first offline consent (or with prompt=consent),
    # not when the person merely approves again what they approved before.
    repeat = record.repeat_consent and not state.refresh_token_on_repeat_consent
    if record.request.access_type == "offline" and not repeat:
        refresh_token = "1//0" + secrets.token_urlsafe(72)
    grant = Grant(
        grant_id=secrets.token_hex(8),
        client_id=client_id,
        sub=record.sub,
        scopes=record.scopes,
        nonce=record.request.nonce,
        refresh_token=refresh_token,
    )
    record.grant_id = grant.grant_id
    state.grants[grant.grant_id] = grant
    if refresh_token is not None:
        state.refresh_tokens[refresh_token] = grant.grant_id
    access = _mint_access_token(state, grant, grant.scopes, "code")
    state.counters["issued"] += 1
    body: dict[str, Any] = {"access_token": access.token, "expires_in": _expires_in(access)}
    if refresh_token is not None:
        body["refresh_token"] = refresh_token
    body["scope"] = " ".join(grant.scopes)
    body["token_type"] = "Bearer"  # noqa: S105 - a token type, not a secret
    if "openid" in grant.scopes:
        body["id_token"] = _id_token(state, grant, access, issuer, grant.nonce)
    return body


def refresh(
    state: EmulatorState, refresh_token: str, client_id: str, scope: str | None, issuer: str
) -> dict[str, Any]:
    """Mint a new access token from a refresh token (no new refresh token, like Google).

    Raises:
        OAuthFailure: invalid_grant for unknown or revoked tokens, unauthorized_client
            for a token of another client, invalid_scope for a wider scope.
    """
    grant_id = state.refresh_tokens.get(refresh_token)
    grant = state.grants.get(grant_id) if grant_id is not None else None
    if grant is None or grant.revoked:
        raise _bad_grant("Token has been expired or revoked.")
    if grant.client_id != client_id:
        raise OAuthFailure("unauthorized_client", "Unauthorized", 401)
    scopes = grant.scopes
    if scope:
        wanted = normalize_scopes(scope.split())
        if not set(wanted) <= set(grant.scopes):
            raise OAuthFailure("invalid_scope", "Some requested scopes were invalid.")
        scopes = wanted
    access = _mint_access_token(state, grant, scopes, "refresh")
    state.counters["refreshed"] += 1
    body: dict[str, Any] = {
        "access_token": access.token,
        "expires_in": _expires_in(access),
        "scope": " ".join(scopes),
        "token_type": "Bearer",
    }
    if "openid" in scopes:
        body["id_token"] = _id_token(state, grant, access, issuer, None)
    return body


def revoke(state: EmulatorState, token: str) -> bool:
    """Revoke the client's whole access to the account behind an access or refresh
    token (every grant, and the consent); False if the token is not live."""
    grant_id = state.refresh_tokens.get(token)
    if grant_id is None:
        access = state.live_access_token(token)
        grant_id = access.grant_id if access is not None else None
    if grant_id is None or state.grants[grant_id].revoked:
        return False
    grant = state.grants[grant_id]
    state.revoke_access(grant.client_id, grant.sub)
    return True


def _mint_access_token(
    state: EmulatorState, grant: Grant, scopes: list[str], origin: str
) -> AccessToken:
    now = time.time()
    token = AccessToken(
        token="ya29." + secrets.token_urlsafe(96),
        grant_id=grant.grant_id,
        scopes=list(scopes),
        issued_at=now,
        expires_at=now + state.access_token_ttl_s,
        origin=origin,
    )
    state.access_tokens[token.token] = token
    return token


def _expires_in(access: AccessToken) -> int:
    return max(0, round(access.expires_at - access.issued_at))


def _id_token(
    state: EmulatorState, grant: Grant, access: AccessToken, issuer: str, nonce: str | None
) -> str:
    account = state.account_by_sub(grant.sub)
    if account is None:  # the account was removed by a reset racing the exchange
        raise _bad_grant()
    claims: dict[str, Any] = {
        "iss": issuer,
        "azp": grant.client_id,
        "aud": grant.client_id,
        "sub": account.sub,
    }
    if account.hd is not None:
        claims["hd"] = account.hd
    if EMAIL_SCOPE in access.scopes:
        claims["email"] = account.email
        claims["email_verified"] = True
    claims["at_hash"] = at_hash(access.token)
    if nonce is not None:
        claims["nonce"] = nonce
    if PROFILE_SCOPE in access.scopes:
        claims.update(_profile(account))
    iat = int(access.issued_at) + state.clock_offset_s  # a Google clock ahead or behind
    claims["iat"] = iat
    claims["exp"] = iat + 3600
    return signing_key().sign_jwt(claims)


def _profile(account: Account) -> dict[str, str]:
    """Profile claims; Google leaves out a name part the account does not have."""
    claims = {"name": account.name, "given_name": account.given_name}
    if account.family_name:
        claims["family_name"] = account.family_name
    claims["picture"] = account.picture
    return claims


def userinfo(account: Account, scopes: list[str]) -> dict[str, Any]:
    """Build the OIDC userinfo body for the claims the scopes allow."""
    body: dict[str, Any] = {"sub": account.sub}
    if PROFILE_SCOPE in scopes:
        body.update(_profile(account))
    if EMAIL_SCOPE in scopes:
        body.update(email=account.email, email_verified=True)
    if account.hd is not None:
        body["hd"] = account.hd
    return body
