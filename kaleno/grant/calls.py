"""Google Calendar calls made with a host's grant: one thin function per call.

Every call goes through ``access_token_for`` (which refuses for a restricted host or a
dead grant) and ``call_with_refresh`` (one forced refresh on a 401).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from kaleno.google import calendar, watch
from kaleno.google.endpoints import current_endpoints
from kaleno.grant.tokens import access_token_for
from kaleno.models import User
from kaleno.models.google_connection import EVENTS_SCOPE, FREEBUSY_SCOPE

T = TypeVar("T")
Page = tuple[list[dict[str, Any]], str | None]


def _call(host: User, now: datetime, call: Callable[[str, str], T], scope: str = EVENTS_SCOPE) -> T:
    api = current_endpoints().calendar_api

    def token(force: bool) -> str:
        return access_token_for(host, scope, now, force_refresh=force)

    return calendar.call_with_refresh(token, lambda access: call(api, access))


def require(host: User, scope: str, now: datetime) -> None:
    """Raise the grant's problem when it cannot serve ``scope`` (no call to Google made
    unless the access token needs a refresh)."""
    access_token_for(host, scope, now)


def free_busy(
    host: User,
    now: datetime,
    calendar_ids: Sequence[str],
    time_min: datetime,
    time_max: datetime,
    *,
    retries: int,
) -> list[tuple[datetime, datetime]]:
    """Busy intervals of the host's ``calendar_ids``. Raises ``CalendarError`` per calendar."""
    return _call(
        host,
        now,
        lambda api, access: calendar.free_busy(
            api, access, calendar_ids, time_min, time_max, retries=retries
        ),
        FREEBUSY_SCOPE,
    )


def get_event(host: User, now: datetime, event_id: str, *, retries: int) -> dict[str, Any]:
    """One event of the host's primary calendar. Raises ``EventGone`` when it has none."""
    return _call(
        host, now, lambda api, access: calendar.get_event(api, access, event_id, retries=retries)
    )


def insert_event(
    host: User,
    now: datetime,
    body: dict[str, Any],
    *,
    send_updates: str,
    conference: bool,
    retries: int,
) -> dict[str, Any]:
    """Insert an event into the host's primary calendar."""
    return _call(
        host,
        now,
        lambda api, access: calendar.insert_event(
            api, access, body, send_updates=send_updates, conference=conference, retries=retries
        ),
    )


def patch_event(
    host: User,
    now: datetime,
    event_id: str,
    body: dict[str, Any],
    *,
    send_updates: str,
    retries: int,
) -> dict[str, Any]:
    """Patch an event of the host's primary calendar."""
    return _call(
        host,
        now,
        lambda api, access: calendar.patch_event(
            api, access, event_id, body, send_updates=send_updates, retries=retries
        ),
    )


def delete_event(
    host: User, now: datetime, event_id: str, *, send_updates: str, retries: int
) -> None:
    """Delete an event of the host's primary calendar."""
    _call(
        host,
        now,
        lambda api, access: calendar.delete_event(
            api, access, event_id, send_updates=send_updates, retries=retries
        ),
    )


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
    """Changes since ``sync_token``. Raises ``SyncTokenExpired`` on 410."""
    return _call(host, now, lambda api, access: watch.list_changes(api, access, sync_token))


def window(host: User, now: datetime, time_min: datetime, time_max: datetime) -> Page:
    """Every event of the window, deleted ones included, and a fresh sync token."""
    return _call(host, now, lambda api, access: watch.list_window(api, access, time_min, time_max))


def event(host: User, now: datetime, event_id: str) -> dict[str, Any] | None:
    """One event of the primary calendar; None when Google has none by that id."""
    try:
        return get_event(host, now, event_id, retries=0)
    except calendar.EventGone:
        return None
