"""Access tokens from refresh tokens, through google-auth's ``Credentials``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import google.auth.exceptions
from google.oauth2.credentials import Credentials

from kaleno.google.endpoints import GoogleEndpoints
from kaleno.google.errors import ClientMisconfigured, GoogleUnavailable
from kaleno.google.oauth import ClientCredentials, _session
from kaleno.google.timeouts import BoundedRequest
from kaleno.web.metrics import TOKEN_REFRESH_METHOD, record_google_call

# Refresh a little early so a token never expires in flight.
EXPIRY_MARGIN_S = 60
# google-auth raises this text (no response body) for invalid_grant + invalid_rapt /
# rapt_required: a Workspace session policy wants the person to sign in again.
REAUTH_MESSAGE = "Reauthentication is needed"


class GrantRevoked(Exception):
    """The refresh token can no longer be used; the host must connect the calendar again.

    ``reason`` says why, in words the host can act on (no token, no Google body).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AccessToken:
    """A usable access token; ``refreshed`` says whether it is new and must be persisted."""

    token: str = field(repr=False)
    expires_at: datetime
    refreshed: bool


def usable_access_token(
    endpoints: GoogleEndpoints,
    client: ClientCredentials,
    *,
    access_token: str | None,
    expires_at: datetime | None,
    refresh_token: str | None,
    scopes: frozenset[str],
    now: datetime,
) -> AccessToken:
    """Return the stored access token while fresh, else refresh it with the refresh token.

    Raises:
        GrantRevoked: Google says the refresh token is no longer valid.
        GoogleUnavailable: the token endpoint failed or could not be reached.
    """
    if access_token and expires_at and (expires_at - now).total_seconds() > EXPIRY_MARGIN_S:
        return AccessToken(access_token, expires_at, refreshed=False)
    if not refresh_token:
        raise GrantRevoked("no refresh token is held")
    credentials = Credentials(
        token=None,
        refresh_token=refresh_token,
        token_uri=endpoints.token,
        client_id=client.client_id,
        client_secret=client.client_secret,
        scopes=sorted(scopes) or None,
    )
    try:
        credentials.refresh(BoundedRequest(_session))
    except google.auth.exceptions.RefreshError as error:
        failure = _refresh_failure(error)
        status = 400 if isinstance(failure, GrantRevoked) else None
        if isinstance(failure, ClientMisconfigured):
            status = 401
        record_google_call(TOKEN_REFRESH_METHOD, ok=False, status=status)
        raise failure from None
    except google.auth.exceptions.TransportError:
        record_google_call(TOKEN_REFRESH_METHOD, ok=False, status=None)
        raise GoogleUnavailable("Google's token endpoint could not be reached.") from None
    record_google_call(TOKEN_REFRESH_METHOD, ok=True, status=200)
    expiry = credentials.expiry
    expires = expiry.replace(tzinfo=UTC) if expiry is not None else now
    return AccessToken(str(credentials.token), expires, refreshed=True)


def _refresh_failure(error: google.auth.exceptions.RefreshError) -> Exception:
    """What a refused refresh means: the host must reconnect, the operator must fix the
    client, or Google is failing for now (retry)."""
    body: Any = error.args[1] if len(error.args) > 1 else None
    code = str(body.get("error", "")) if isinstance(body, dict) else ""
    if REAUTH_MESSAGE in str(error.args[0] if error.args else ""):
        return GrantRevoked("Google requires the host to sign in again (reauthentication)")
    if code == "invalid_grant":
        return GrantRevoked("Google answered invalid_grant on refresh")
    if code == "unauthorized_client":
        return GrantRevoked(
            "Google answered unauthorized_client: the grant belongs to another OAuth client"
        )
    if code in ("invalid_client", "deleted_client"):
        return ClientMisconfigured(
            f"Google refused Kaleno's OAuth client ({code}); the operator must check "
            "KALENO_GOOGLE_CLIENT_ID and KALENO_GOOGLE_CLIENT_SECRET."
        )
    detail = f" ({code[:40]})" if code else ""
    return GoogleUnavailable(f"Google could not refresh the calendar access{detail}.")


def bearer_credentials(token: str) -> Credentials:
    """Credentials carrying just an access token, for the Calendar client."""
    return Credentials(token=token)
