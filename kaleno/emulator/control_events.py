"""Control-plane edits made "as the owner would in Google", and push faults.

``PATCH /_emulator/events`` and ``DELETE /_emulator/events`` change or delete an event
the way its owner does in Google Calendar's UI: the event's ``updated``, ``sequence`` and
etag move on, incremental sync reports it, and every channel watching the calendar gets
an ``exists`` notification. ``calendar.push`` faults drop, repeat or delay notifications.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from kaleno.emulator.app_state import current_state
from kaleno.emulator.errors import CalendarError, json_response
from kaleno.emulator.events import delete_event, patch_event
from kaleno.emulator.push import PUSH_MODES, PushFault
from kaleno.emulator.state import Calendar, EmulatorState

bp = Blueprint("emulator_control_events", __name__, url_prefix="/_emulator")
JSON = "application/json"
PUSH_METHOD = "calendar.push"


class EditError(Exception):
    """Bad control-plane input; rendered as ``{"error": message}``."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@bp.app_errorhandler(EditError)
def _render_error(error: EditError) -> Response:
    return json_response({"error": error.message}, error.status, JSON)


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise EditError("expected a JSON object body")
    return body


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise EditError(f"'{key}' must be a non-empty string")
    return value


def _owned_calendar(state: EmulatorState, body: dict[str, Any]) -> Calendar:
    email = _text(body, "email")
    calendar_id = body.get("calendarId") or "primary"
    if not isinstance(calendar_id, str):
        raise EditError("'calendarId' must be a string")
    if email not in state.accounts:
        raise EditError(f"no account {email}", 404)
    calendar = state.calendars.get(email if calendar_id == "primary" else calendar_id)
    if calendar is None or calendar.owner_email != email:
        raise EditError(f"no calendar {calendar_id} of {email}", 404)
    return calendar


@bp.patch("/events")
def edit_event() -> Response:
    """Change an event as its owner would (times, attendees' responseStatus, …)."""
    body = _body()
    event_id = _text(body, "eventId")
    patch = body.get("patch")
    if not isinstance(patch, dict):
        raise EditError("'patch' must be a JSON object")
    state = current_state()
    with state.lock:
        calendar = _owned_calendar(state, body)
        try:
            event = patch_event(state, calendar, event_id, patch, conference_version=0)
        except CalendarError as exc:
            raise EditError(f"{exc.reason}: {exc.message}", exc.code) from exc
    return json_response(event, 200, JSON)


@bp.delete("/events")
def remove_event() -> Response:
    """Delete an event as its owner would (kept as ``cancelled`` for incremental sync)."""
    body = _body()
    event_id = _text(body, "eventId")
    state = current_state()
    with state.lock:
        calendar = _owned_calendar(state, body)
        try:
            delete_event(state, calendar, event_id)
        except CalendarError as exc:
            raise EditError(f"{exc.reason}: {exc.message}", exc.code) from exc
    return json_response({"deleted": event_id}, 200, JSON)


def push_fault(body: dict[str, Any]) -> dict[str, Any]:
    """Validate and queue a ``calendar.push`` fault; return what was queued.

    Raises:
        EditError: a bad mode, count or delay.
    """
    mode = body.get("mode")
    if mode not in PUSH_MODES:
        raise EditError(f"'mode' must be one of {list(PUSH_MODES)} for {PUSH_METHOD}")
    count, delay_ms = body.get("count", 1), body.get("delay_ms", 0)
    for key, value, minimum in (("count", count, 1), ("delay_ms", delay_ms, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise EditError(f"'{key}' must be an integer >= {minimum}")
    state = current_state()
    with state.lock:
        state.push_faults.append(PushFault(mode, count, delay_ms))
    return {"method": PUSH_METHOD, "mode": mode, "count": count, "delay_ms": delay_ms}
