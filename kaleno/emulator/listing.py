"""events.list: filters, ordering, page tokens and sync tokens.

All functions expect ``state.lock`` to be held by the caller.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from kaleno.emulator.conference import ripen_conferences
from kaleno.emulator.errors import CalendarError, full_sync_required, invalid, time_range_empty
from kaleno.emulator.state import Calendar, EmulatorState
from kaleno.emulator.timeutil import UTC, event_time, google_timestamp, parse_rfc3339

DEFAULT_REMINDERS = [{"method": "popup", "minutes": 10}]
_SYNC_EXCLUSIVE = (
    "timeMin", "timeMax", "orderBy", "privateExtendedProperty", "sharedExtendedProperty",
    "q", "iCalUID", "updatedMin",
)  # fmt: skip


@dataclass
class ListQuery:
    """Parsed events.list parameters."""

    time_min: dt.datetime | None = None
    time_max: dt.datetime | None = None
    updated_min: str | None = None
    order_by: str | None = None
    max_results: int = 250
    page_token: str | None = None
    sync_token: str | None = None
    show_deleted: bool = False
    private: list[tuple[str, str]] = field(default_factory=list)
    shared: list[tuple[str, str]] = field(default_factory=list)
    text: str | None = None
    ical_uid: str | None = None


def _property_filters(values: list[str], location: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        key, sep, wanted = value.partition("=")
        if not sep or not key:
            raise invalid(f"Invalid {location} value.", location)
        pairs.append((key, wanted))
    return pairs


def parse_query(args: Any) -> ListQuery:
    """Read events.list query parameters (``args`` is a werkzeug MultiDict).

    Raises:
        CalendarError: 400 for malformed or incompatible parameters.
    """
    if args.get("syncToken"):
        clash = [name for name in _SYNC_EXCLUSIVE if args.get(name)]
        if clash:
            raise invalid(f"Sync token cannot be used with {clash[0]}.", clash[0])
    query = ListQuery(
        sync_token=args.get("syncToken") or None,
        page_token=args.get("pageToken") or None,
        show_deleted=args.get("showDeleted") == "true" or bool(args.get("syncToken")),
        private=_property_filters(
            args.getlist("privateExtendedProperty"), "privateExtendedProperty"
        ),
        shared=_property_filters(args.getlist("sharedExtendedProperty"), "sharedExtendedProperty"),
        text=args.get("q") or None,
        ical_uid=args.get("iCalUID") or None,
        order_by=args.get("orderBy") or None,
    )
    if args.get("timeMin"):
        query.time_min = parse_rfc3339(args["timeMin"], "timeMin")
    if args.get("timeMax"):
        query.time_max = parse_rfc3339(args["timeMax"], "timeMax")
    if query.time_min and query.time_max and query.time_max <= query.time_min:
        raise time_range_empty()
    if args.get("updatedMin"):
        updated_min = parse_rfc3339(args["updatedMin"], "updatedMin")
        query.updated_min = google_timestamp(updated_min)
    if query.order_by not in (None, "startTime", "updated"):
        raise invalid(f"Invalid value for orderBy: {query.order_by}", "orderBy")
    if query.order_by == "startTime" and args.get("singleEvents") != "true":
        raise CalendarError(
            400, "badRequest", "The requested ordering is not available for the particular query."
        )
    try:
        query.max_results = int(args.get("maxResults", 250))
    except ValueError as exc:
        raise invalid("Invalid value for maxResults.", "maxResults") from exc
    if not 1 <= query.max_results <= 2500:
        raise invalid("Invalid value for maxResults.", "maxResults")
    return query


def _encode(payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def _decode(token: str) -> dict[str, Any] | None:
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
    except (ValueError, UnicodeError):
        return None
    return payload if isinstance(payload, dict) else None


def _matches(event: dict[str, Any], calendar: Calendar, query: ListQuery) -> bool:
    if event.get("status") == "cancelled" and not query.show_deleted:
        return False
    if query.time_min or query.time_max:
        start = event_time(event["start"], "start", calendar.time_zone)
        end = event_time(event["end"], "end", calendar.time_zone)
        if query.time_min and end <= query.time_min:
            return False
        if query.time_max and start >= query.time_max:
            return False
    props = event.get("extendedProperties", {})
    for scope, pairs in (("private", query.private), ("shared", query.shared)):
        if any(props.get(scope, {}).get(key) != value for key, value in pairs):
            return False
    if query.updated_min and event["updated"] < query.updated_min:
        return False
    if query.ical_uid and event.get("iCalUID") != query.ical_uid:
        return False
    if query.text:
        haystack = " ".join(str(event.get(k, "")) for k in ("summary", "description", "location"))
        if query.text.lower() not in haystack.lower():
            return False
    return True


def _sync_start(state: EmulatorState, calendar: Calendar, token: str) -> int:
    payload = _decode(token)
    if (
        payload is None
        or payload.get("g") != state.generation
        or payload.get("cal") != calendar.calendar_id
        or not isinstance(payload.get("c"), int)
        or payload["c"] > state.change_counter
    ):
        raise full_sync_required()
    return int(payload["c"])


def _etag(snapshot: int) -> str:
    return hashlib.sha1(str(snapshot).encode(), usedforsecurity=False).hexdigest()[:16]


def list_events(state: EmulatorState, calendar: Calendar, query: ListQuery) -> dict[str, Any]:
    """Return one page of the Events collection.

    Raises:
        CalendarError: 410 fullSyncRequired for a stale sync token, 400 for a bad page token.
    """
    ripen_conferences(calendar)
    snapshot = state.change_counter
    offset = 0
    since = _sync_start(state, calendar, query.sync_token) if query.sync_token else None
    if query.page_token:
        page = _decode(query.page_token)
        if page is None or page.get("g") != state.generation:
            raise invalid("Invalid page token.", "pageToken")
        offset, snapshot, since = int(page["o"]), int(page["c"]), page.get("s", since)
        query.show_deleted = query.show_deleted or since is not None
    chosen = []
    for event_id, event in calendar.events.items():
        if since is not None and calendar.change_seq[event_id] <= since:
            continue
        if _matches(event, calendar, query):
            chosen.append(event)
    if query.order_by == "startTime":
        chosen.sort(key=lambda e: event_time(e["start"], "start", calendar.time_zone))
    elif query.order_by == "updated":
        chosen.sort(key=lambda e: str(e["updated"]))
    page_items = chosen[offset : offset + query.max_results]
    items = []
    for event in page_items:
        if since is not None and event.get("status") == "cancelled":
            items.append({k: event[k] for k in ("kind", "etag", "id", "status")})
        else:
            items.append(copy.deepcopy(event))
    updated = max((str(e["updated"]) for e in calendar.events.values()), default=None)
    body: dict[str, Any] = {
        "kind": "calendar#events",
        "etag": f'"{_etag(snapshot)}"',
        "summary": calendar.summary,
        "description": "",
        "updated": updated or google_timestamp(dt.datetime.now(UTC)),
        "timeZone": calendar.time_zone,
        "accessRole": "owner",
        "defaultReminders": DEFAULT_REMINDERS,
    }
    if offset + query.max_results < len(chosen):
        body["nextPageToken"] = _encode(
            {"o": offset + query.max_results, "c": snapshot, "g": state.generation, "s": since}
        )
    else:
        body["nextSyncToken"] = _encode(
            {"cal": calendar.calendar_id, "c": snapshot, "g": state.generation}
        )
    body["items"] = items
    return body
