"""Revoking a grant at Google, and the calls a queued revoke makes with its raw token."""

from __future__ import annotations

from collections.abc import Sequence

from kaleno.google import calendar, oauth
from kaleno.google.credentials import GrantRevoked, usable_access_token
from kaleno.google.endpoints import current_endpoints
from kaleno.grant.tokens import client_credentials
from kaleno.models import utcnow
from kaleno.models.google_connection import EVENTS_SCOPE


def revoke_token(token: str) -> bool:
    """Revoke ``token`` at Google: True when confirmed, False when it was already invalid.

    Raises:
        GoogleUnavailable: Google could not be reached.
    """
    return oauth.revoke(current_endpoints(), token)


def delete_events_with(
    token: str, event_ids: Sequence[str], *, is_refresh_token: bool, send_updates: str
) -> None:
    """Delete events with a grant's raw token, kept sealed by a queued revoke.

    404/410 count as done; a grant revoked meanwhile ends the deletion quietly.
    """
    endpoints = current_endpoints()
    access = token
    if is_refresh_token:
        try:
            access = usable_access_token(
                endpoints,
                client_credentials(),
                access_token=None,
                expires_at=None,
                refresh_token=token,
                scopes=frozenset({EVENTS_SCOPE}),
                now=utcnow(),
            ).token
        except GrantRevoked:
            return  # the grant is gone, and with it Kaleno's access to those events
    for event_id in list(event_ids):
        try:
            calendar.delete_event(
                endpoints.calendar_api, access, event_id, send_updates=send_updates, retries=0
            )
        except calendar.AccessTokenRejected:
            return  # revoked meanwhile: nothing more can be deleted with this grant
