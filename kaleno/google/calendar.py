"""Google Calendar v3 through google-api-python-client: free/busy and the booking's event.

The service object is built once per endpoint from the bundled discovery document; each
call gets its own authorized HTTP object (httplib2 is not thread-safe). Google's errors
become ``KalenoError``s or the small exceptions below, never a raw ``HttpError``.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import google_auth_httplib2
import httplib2
from googleapiclient.discovery import Resource, build
from googleapiclient.errors import HttpError

from kaleno.google.credentials import bearer_credentials
from kaleno.google.errors import GoogleRejected, GoogleUnavailable, ScopeNotGranted
from kaleno.google.timeouts import http_timeout_s
from kaleno.web.metrics import record_google_call

log = logging.getLogger(__name__)
T = TypeVar("T")
FREEBUSY_MAX_DAYS = 90
# Google's Calendar usage limits (e.g. invitations to external guests): 403 quotaExceeded
# or a 403/429 rate limit. Transient: the outbox retries later.
QUOTA_REASONS = ("quotaExceeded", "rateLimitExceeded", "userRateLimitExceeded")
SCOPE_REASONS = ("insufficientPermissions",)


class AccessTokenRejected(Exception):
    """Google answered 401: the access token is expired or revoked; refresh and retry once."""


class EventAlreadyExists(Exception):
    """409 duplicate: an event with this client-supplied id exists (a retried insert)."""


class EventGone(Exception):
    """404 or 410: the event does not exist (any more)."""


class EventForbidden(Exception):
    """403 on an event write for a reason other than scopes or quota.

    Google answers so when updating an event its owner deleted in Calendar; the caller
    reads the event to tell that case from a real refusal.
    """


class CalendarError(Exception):
    """A per-calendar error inside a successful freeBusy answer (e.g. notFound)."""


@functools.cache
def _service(api_endpoint: str) -> Resource:
    return build(
        "calendar",
        "v3",
        http=httplib2.Http(timeout=http_timeout_s()),
        client_options={"api_endpoint": api_endpoint},
        static_discovery=True,
        cache_discovery=False,
    )


def _execute(request: Any, access_token: str, retries: int, method: str) -> Any:
    # No refresh inside the transport: these credentials hold only an access token, so
    # AuthorizedHttp's own refresh on 401 would raise RefreshError. A 401 surfaces as
    # AccessTokenRejected and ``call_with_refresh`` refreshes through the grant's owner.
    http = google_auth_httplib2.AuthorizedHttp(
        bearer_credentials(access_token),
        http=httplib2.Http(timeout=http_timeout_s()),
        refresh_status_codes=(),
    )
    try:
        answer = request.execute(http=http, num_retries=retries)
    except HttpError as error:
        record_google_call(method, ok=False, status=int(error.resp.status))
        raise _translate(error, method) from None
    except (TimeoutError, OSError, httplib2.HttpLib2Error):
        record_google_call(method, ok=False, status=None)
        raise GoogleUnavailable(f"Google Calendar could not be reached ({method}).") from None
    record_google_call(method, ok=True, status=200)
    return answer


def _translate(error: HttpError, method: str) -> Exception:
    status = int(error.resp.status)
    reason = _reason(error)
    log.info("google calendar error", extra={"method": method, "status": status, "reason": reason})
    if status == 401:
        return AccessTokenRejected(method)
    if status == 403 and reason in SCOPE_REASONS:
        return ScopeNotGranted("The host did not grant the Google permission this needs.")
    if status == 403 and reason in QUOTA_REASONS:
        return GoogleUnavailable(
            f"Google Calendar usage limits were reached ({method}: 403 {reason}); retried later."
        )
    if status >= 500 or status == 429:
        return GoogleUnavailable(f"Google Calendar is busy or failing ({method}: {status}).")
    if status == 403 and method.startswith("calendar.events."):
        return EventForbidden(method)
    if status == 409 and reason == "duplicate":
        return EventAlreadyExists(method)
    if status in (404, 410):
        return EventGone(method)
    return GoogleRejected(f"Google Calendar refused {method} ({status} {reason}).")


def _reason(error: HttpError) -> str:
    try:
        body = json.loads(error.content.decode())
        return str(body["error"]["errors"][0]["reason"])
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return "unknown"


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def free_busy(
    api_endpoint: str,
    access_token: str,
    calendar_ids: Sequence[str],
    time_min: datetime,
    time_max: datetime,
    *,
    retries: int = 2,
) -> list[tuple[datetime, datetime]]:
    """Busy intervals of ``calendar_ids`` in ``[time_min, time_max)``, one call per 90 days.

    Raises:
        CalendarError: Google could not read one of the calendars (never treated as free).
        GoogleUnavailable / ScopeNotGranted / AccessTokenRejected: as translated.
    """
    busy: list[tuple[datetime, datetime]] = []
    start = time_min
    while start < time_max:
        end = min(time_max, start + timedelta(days=FREEBUSY_MAX_DAYS))
        body = {
            "timeMin": _rfc3339(start),
            "timeMax": _rfc3339(end),
            "items": [{"id": cid} for cid in calendar_ids],
        }
        request = _service(api_endpoint).freebusy().query(body=body)
        answer = _execute(request, access_token, retries, "calendar.freebusy.query")
        for cid, calendar in answer.get("calendars", {}).items():
            if calendar.get("errors"):
                reason = calendar["errors"][0].get("reason", "unknown")
                raise CalendarError(f"calendar {cid!r}: {reason}")
            busy.extend((_parse(b["start"]), _parse(b["end"])) for b in calendar.get("busy", []))
        start = end
    return busy


def insert_event(
    api_endpoint: str,
    access_token: str,
    event: dict[str, Any],
    *,
    send_updates: str,
    conference: bool,
    retries: int = 2,
) -> dict[str, Any]:
    """Insert ``event`` (with its client-chosen ``id``) into the primary calendar.

    Raises:
        EventAlreadyExists: an event with that id exists already (the insert was retried).
    """
    request = (
        _service(api_endpoint)
        .events()
        .insert(
            calendarId="primary",
            body=event,
            sendUpdates=send_updates,
            conferenceDataVersion=1 if conference else 0,
        )
    )
    return _as_dict(_execute(request, access_token, retries, "calendar.events.insert"))


def get_event(
    api_endpoint: str, access_token: str, event_id: str, *, retries: int = 2
) -> dict[str, Any]:
    """Fetch one event of the primary calendar.

    Raises:
        EventGone: no such event.
    """
    request = _service(api_endpoint).events().get(calendarId="primary", eventId=event_id)
    return _as_dict(_execute(request, access_token, retries, "calendar.events.get"))


def patch_event(
    api_endpoint: str,
    access_token: str,
    event_id: str,
    changes: dict[str, Any],
    *,
    send_updates: str,
    retries: int = 2,
) -> dict[str, Any]:
    """Patch an event of the primary calendar.

    Raises:
        EventGone: no such event.
    """
    request = (
        _service(api_endpoint)
        .events()
        .patch(calendarId="primary", eventId=event_id, body=changes, sendUpdates=send_updates)
    )
    return _as_dict(_execute(request, access_token, retries, "calendar.events.patch"))


def delete_event(
    api_endpoint: str, access_token: str, event_id: str, *, send_updates: str, retries: int = 2
) -> None:
    """Delete an event; one already deleted (404/410) counts as done."""
    request = (
        _service(api_endpoint)
        .events()
        .delete(calendarId="primary", eventId=event_id, sendUpdates=send_updates)
    )
    try:
        _execute(request, access_token, retries, "calendar.events.delete")
    except EventGone:
        return


def call_with_refresh(get_token: Callable[[bool], str], call: Callable[[str], T]) -> T:
    """Run ``call`` with an access token; on 401 force one refresh and try again.

    Raises:
        CalendarRevoked: the refresh found the grant dead (from ``get_token``).
        GoogleUnavailable: Google rejected even the freshly refreshed token.
    """
    try:
        return call(get_token(False))
    except AccessTokenRejected:
        pass
    try:
        return call(get_token(True))
    except AccessTokenRejected:
        raise GoogleUnavailable("Google rejected a freshly refreshed access token.") from None


def _as_dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}
