"""Calendar v3 for two-way sync: ``events.watch``, ``channels.stop`` and ``events.list``.

Like ``kaleno.google.calendar``, this is part of the one door to Google: errors become
the small exceptions there or ``SyncTokenExpired``; each call is one request (the outbox
retries, with its own backoff).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kaleno.google.calendar import EventGone, _as_dict, _execute, _rfc3339, _service

# Events per page: Google's maximum (fewer pages, fewer calls per sync).
PAGE_SIZE = 2500
MAX_PAGES = 40


class SyncTokenExpired(Exception):
    """410 on a sync token: Google asks for a full sync."""


def watch_events(
    api_endpoint: str,
    access_token: str,
    *,
    channel_id: str,
    address: str,
    token: str,
    expiration_ms: int | None,
) -> dict[str, Any]:
    """Open a ``web_hook`` channel on the primary calendar's events; return the Channel."""
    body: dict[str, Any] = {"id": channel_id, "type": "web_hook", "address": address}
    body["token"] = token
    if expiration_ms is not None:
        body["expiration"] = expiration_ms
    request = _service(api_endpoint).events().watch(calendarId="primary", body=body)
    return _as_dict(_execute(request, access_token, 0, "calendar.events.watch"))


def stop_channel(api_endpoint: str, access_token: str, channel_id: str, resource_id: str) -> None:
    """Stop a channel; one Google no longer knows (404) counts as stopped."""
    body = {"id": channel_id, "resourceId": resource_id}
    request = _service(api_endpoint).channels().stop(body=body)
    try:
        _execute(request, access_token, 0, "calendar.channels.stop")
    except EventGone:
        return


def list_changes(
    api_endpoint: str, access_token: str, sync_token: str
) -> tuple[list[dict[str, Any]], str | None]:
    """Every change since ``sync_token`` (all pages) and the next sync token.

    Raises:
        SyncTokenExpired: Google answered 410 (full sync required).
    """
    return _pages(api_endpoint, access_token, {"syncToken": sync_token})


def list_window(
    api_endpoint: str, access_token: str, time_min: datetime, time_max: datetime
) -> tuple[list[dict[str, Any]], str | None]:
    """Every event (deleted ones too) overlapping the window, and a sync token for later."""
    params = {"timeMin": _rfc3339(time_min), "timeMax": _rfc3339(time_max), "showDeleted": True}
    return _pages(api_endpoint, access_token, params)


def _pages(
    api_endpoint: str, access_token: str, params: dict[str, Any]
) -> tuple[list[dict[str, Any]], str | None]:
    items: list[dict[str, Any]] = []
    page_token: str | None = None
    for _ in range(MAX_PAGES):
        request = (
            _service(api_endpoint)
            .events()
            .list(calendarId="primary", maxResults=PAGE_SIZE, pageToken=page_token, **params)
        )
        try:
            page = _as_dict(_execute(request, access_token, 0, "calendar.events.list"))
        except EventGone:
            if "syncToken" in params:
                raise SyncTokenExpired() from None
            raise
        items.extend(dict(item) for item in page.get("items", []))
        page_token = page.get("nextPageToken")
        if not page_token:
            return items, page.get("nextSyncToken")
    return items, None
