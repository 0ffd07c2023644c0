"""The sync's Google calls for one host: the grant's token broker plus ``kaleno.google``.

Every call goes through ``access_token_for`` (which refuses for a restricted host or a
dead grant) and ``call_with_refresh`` (one forced refresh on a 401).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from kaleno.auth.connection import access_token_for
from kaleno.google import calendar, watch
from kaleno.google.endpoints import current_endpoints
from kaleno.models import User
from kaleno.models.google_connection import EVENTS_SCOPE

T = TypeVar("T")
Page = tuple[list[dict[str, Any]], str | None]


def _call(host: User, now: datetime, call: Callable[[str, str], T]) -> T:
    api = current_endpoints().calendar_api

    def token(force: bool) -> str:
        return access_token_for(host, EVENTS_SCOPE, now, force_refresh=force)

    return calendar.call_with_refresh(token, lambda access: call(api, access))


def watch_primary(
    host: User, now: datetime, channel_id: str, address: str, token: str, expiration_ms: int
) -> dict[str, Any]:
    """``events.watch`` on the host's primary calendar."""
    return _call(
        host,
        now,
        lambda api, access: watch.watch_events(
            api,
            access,
            channel_id=channel_id,
            address=address,
            token=token,
            expiration_ms=expiration_ms,
        ),
    )


def stop(host: User, now: datetime, channel_id: str, resource_id: str) -> None:
    """``channels.stop`` (404 counts as stopped)."""
    _call(host, now, lambda api, access: watch.stop_channel(api, access, channel_id, resource_id))


def changes(host: User, now: datetime, sync_token: str) -> Page:
    """Changes since ``sync_token``. Raises ``watch.SyncTokenExpired`` on 410."""
    return _call(host, now, lambda api, access: watch.list_changes(api, access, sync_token))


def window(host: User, now: datetime, time_min: datetime, time_max: datetime) -> Page:
    """Every event of the window, deleted ones included, and a fresh sync token."""
    return _call(host, now, lambda api, access: watch.list_window(api, access, time_min, time_max))


def event(host: User, now: datetime, event_id: str) -> dict[str, Any] | None:
    """One event of the primary calendar; None when Google has none by that id."""
    try:
        return _call(
            host, now, lambda api, access: calendar.get_event(api, access, event_id, retries=0)
        )
    except calendar.EventGone:
        return None
