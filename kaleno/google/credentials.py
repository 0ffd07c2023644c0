"""Access tokens from refresh tokens, through google-auth's ``Credentials``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import google.auth.exceptions
import google.auth.transport.requests
from google.oauth2.credentials import Credentials

from kaleno.google.endpoints import GoogleEndpoints
from kaleno.google.errors import GoogleUnavailable
from kaleno.google.oauth import ClientCredentials, _session
from kaleno.web.metrics import TOKEN_REFRESH_METHOD, record_google_call

# Refresh a little early so a token never expires in flight.
EXPIRY_MARGIN_S = 60


class GrantRevoked(Exception):
    """Google answered invalid_grant: the refresh token is dead (revoked, expired, reset)."""


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
        credentials.refresh(google.auth.transport.requests.Request(session=_session))
    except google.auth.exceptions.RefreshError as error:
        revoked = "invalid_grant" in str(error)
        record_google_call(TOKEN_REFRESH_METHOD, ok=False, status=400 if revoked else None)
        if revoked:
            raise GrantRevoked("invalid_grant") from None
        raise GoogleUnavailable("Google could not refresh the calendar access.") from None
    except google.auth.exceptions.TransportError:
        record_google_call(TOKEN_REFRESH_METHOD, ok=False, status=None)
        raise GoogleUnavailable("Google's token endpoint could not be reached.") from None
    record_google_call(TOKEN_REFRESH_METHOD, ok=True, status=200)
    expiry = credentials.expiry
    expires = expiry.replace(tzinfo=UTC) if expiry is not None else now
    return AccessToken(str(credentials.token), expires, refreshed=True)


def bearer_credentials(token: str) -> Credentials:
    """Credentials carrying just an access token, for the Calendar client."""
    return Credentials(token=token)
