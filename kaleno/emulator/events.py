"""Event resources: build, insert, patch, update and delete, the way Calendar v3 does.

All functions expect ``state.lock`` to be held by the caller.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import re
import secrets
import time
from typing import Any

from kaleno.emulator.conference import apply_conference, conference_pending, ripen_conferences
from kaleno.emulator.errors import (
    deleted,
    duplicate,
    forbidden,
    invalid,
    not_found,
    time_range_empty,
)
from kaleno.emulator.push import notify_change
from kaleno.emulator.state import Calendar, EmulatorState
from kaleno.emulator.timeutil import UTC, event_time, google_timestamp

EVENT_ID = re.compile(r"[a-v0-9]{5,1024}")
_BASE32HEX = "0123456789abcdefghijklmnopqrstuv"
# Writable Event fields (discovery schema); read-only ones are set by the server.
WRITABLE_FIELDS = (
    "status", "summary", "description", "location", "colorId", "start", "end",
    "endTimeUnspecified", "recurrence", "originalStartTime", "transparency", "visibility",
    "iCalUID", "sequence", "attendees", "attendeesOmitted", "extendedProperties",
    "recurringEventId",
    "conferenceData", "gadget", "anyoneCanAddSelf", "guestsCanInviteOthers", "guestsCanModify",
    "guestsCanSeeOtherGuests", "privateCopy", "locked", "reminders", "source", "attachments",
    "birthdayProperties", "focusTimeProperties", "outOfOfficeProperties",
    "workingLocationProperties", "eventType", "eventLabelId",
)  # fmt: skip
_ORDER = (
    "kind", "etag", "id", "status", "htmlLink", "created", "updated", "summary", "description",
    "location", "colorId", "creator", "organizer", "start", "end", "endTimeUnspecified",
    "recurrence", "recurringEventId", "originalStartTime", "transparency", "visibility",
    "iCalUID", "sequence", "attendees", "attendeesOmitted", "extendedProperties",
    "recurringEventId", "hangoutLink",
    "conferenceData", "gadget", "anyoneCanAddSelf", "guestsCanInviteOthers", "guestsCanModify",
    "guestsCanSeeOtherGuests", "privateCopy", "locked", "reminders", "source", "attachments",
    "eventType",
)  # fmt: skip
SEND_UPDATES = ("all", "externalOnly", "none")


def new_event_id() -> str:
    """Return a server-generated id: 26 base32hex characters."""
    return "".join(secrets.choice(_BASE32HEX) for _ in range(26))


def _attendees(owner: str, attendees: list[dict[str, Any]]) -> list[dict[str, Any]]:
    result = []
    for attendee in attendees:
        entry = {**attendee}
        if entry.get("email", "").lower() == owner.lower():
            # The owner's own answer stands (an invitation they declined stays declined).
            entry.update(self=True)
            entry.setdefault("organizer", True)
            entry.setdefault("responseStatus", "accepted")
        entry.setdefault("responseStatus", "needsAction")
        result.append(entry)
    if result and not any(a.get("self") for a in result):
        owner_entry = {"email": owner, "organizer": True, "self": True}
        result.insert(0, {**owner_entry, "responseStatus": "accepted"})
    return result


def _finish(
    state: EmulatorState,
    calendar: Calendar,
    event_id: str,
    fields: dict[str, Any],
    previous: dict[str, Any] | None,
) -> dict[str, Any]:
    """Validate times, fill server fields, store, and return the resource."""
    start = event_time(fields.get("start"), "start", calendar.time_zone)
    end = event_time(fields.get("end"), "end", calendar.time_zone)
    if end < start:
        raise time_range_empty("end")
    now = dt.datetime.now(UTC)
    seq = state.next_change()
    eid = base64.urlsafe_b64encode(f"{event_id} {calendar.calendar_id}".encode()).rstrip(b"=")
    owner = {"email": calendar.owner_email, "self": True}
    server = {
        "kind": "calendar#event",
        "etag": f'"{int(time.time() * 1000)}{seq % 1000:03d}"',
        "id": event_id,
        "htmlLink": "https://www.google.com/calendar/event?eid=" + eid.decode("ascii"),
        "created": previous["created"] if previous else google_timestamp(now, millis=False),
        "updated": google_timestamp(now),
        "creator": previous["creator"] if previous else owner,
        "organizer": previous["organizer"] if previous else owner,
        "iCalUID": fields.get("iCalUID") or f"{event_id}@google.com",
        "sequence": previous["sequence"] + 1 if previous else int(fields.get("sequence", 0)),
    }
    fields.setdefault("status", "confirmed")
    fields.setdefault("reminders", {"useDefault": True})
    fields.setdefault("eventType", "default")
    if fields.get("attendees"):
        fields["attendees"] = _attendees(calendar.owner_email, fields["attendees"])
    merged = {**fields, **server}
    event = {key: merged[key] for key in _ORDER if key in merged}
    event.update({k: v for k, v in merged.items() if k not in event})
    calendar.events[event_id] = event
    calendar.change_seq[event_id] = seq
    notify_change(state, calendar)
    return copy.deepcopy(event)


def _writable(body: dict[str, Any]) -> dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in body.items() if k in WRITABLE_FIELDS and v is not None}


def insert_event(
    state: EmulatorState, calendar: Calendar, body: dict[str, Any], conference_version: int
) -> dict[str, Any]:
    """Create an event; a client-supplied id must be base32hex, 5-1024 chars, unused.

    Raises:
        CalendarError: 400 invalid id or times, 409 duplicate (deleted ids count too).
    """
    event_id = body.get("id")
    if event_id is None:
        event_id = new_event_id()
    elif not isinstance(event_id, str) or not EVENT_ID.fullmatch(event_id):
        raise invalid("Invalid resource id value.")
    elif event_id in calendar.events:
        raise duplicate()
    fields = _writable(body)
    fields.pop("sequence", None)
    pending = state.conference_status == "pending"
    apply_conference(fields, body, {}, conference_version, pending)
    if conference_pending(fields):
        calendar.conference_ready_at[event_id] = time.time() + state.conference_ready_after_s
    return _finish(state, calendar, event_id, fields, None)


def find_event(calendar: Calendar, event_id: str) -> dict[str, Any]:
    """Return the stored event (cancelled ones included).

    Raises:
        CalendarError: 404 notFound.
    """
    ripen_conferences(calendar)
    event = calendar.events.get(event_id)
    if event is None:
        raise not_found()
    return event


def _live_event(calendar: Calendar, event_id: str) -> dict[str, Any]:
    """Return an event that may be changed: Google refuses to update or patch an event
    its owner deleted (403); it cannot be brought back, only replaced by a new id.

    Raises:
        CalendarError: 404 notFound, 403 forbidden for a deleted event.
    """
    event = find_event(calendar, event_id)
    if event.get("status") == "cancelled":
        raise forbidden()
    return event


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def patch_event(
    state: EmulatorState,
    calendar: Calendar,
    event_id: str,
    body: dict[str, Any],
    conference_version: int,
) -> dict[str, Any]:
    """Merge ``body`` into the event (patch semantics), bumping sequence and etag.

    Raises:
        CalendarError: 404 notFound, 403 for a deleted event, 400 for invalid times.
    """
    previous = _live_event(calendar, event_id)
    fields = _writable(previous)
    patch = {k: v for k, v in body.items() if k in WRITABLE_FIELDS and k != "conferenceData"}
    _merge(fields, patch)
    apply_conference(fields, body, previous, conference_version)
    return _finish(state, calendar, event_id, fields, previous)


def update_event(
    state: EmulatorState,
    calendar: Calendar,
    event_id: str,
    body: dict[str, Any],
    conference_version: int,
) -> dict[str, Any]:
    """Replace the event's writable fields with ``body``.

    Raises:
        CalendarError: 404 notFound, 403 for a deleted event, 400 for invalid times.
    """
    previous = _live_event(calendar, event_id)
    fields = _writable(body)
    fields.pop("conferenceData", None)
    apply_conference(fields, body, previous, conference_version)
    return _finish(state, calendar, event_id, fields, previous)


def delete_event(state: EmulatorState, calendar: Calendar, event_id: str) -> None:
    """Mark the event cancelled (kept for incremental sync).

    Raises:
        CalendarError: 404 notFound, 410 deleted when already cancelled.
    """
    event = find_event(calendar, event_id)
    if event.get("status") == "cancelled":
        raise deleted()
    seq = state.next_change()
    event["status"] = "cancelled"
    event["updated"] = google_timestamp(dt.datetime.now(UTC))
    event["etag"] = f'"{int(time.time() * 1000)}{seq % 1000:03d}"'
    calendar.change_seq[event_id] = seq
    notify_change(state, calendar)
