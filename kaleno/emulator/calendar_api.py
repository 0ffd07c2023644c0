"""Calendar v3 routes under ``/calendar/v3/``: faults, Bearer and scope checks, then work."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, request

from kaleno.emulator.app_state import current_state
from kaleno.emulator.errors import (
    CalendarError,
    fault_error,
    insufficient_permissions,
    invalid,
    invalid_credentials,
    json_response,
    missing_credentials,
    not_found,
)
from kaleno.emulator.events import (
    SEND_UPDATES,
    delete_event,
    find_event,
    insert_event,
    patch_event,
    update_event,
)
from kaleno.emulator.faults import take_fault
from kaleno.emulator.freebusy import owned_calendar, query_free_busy
from kaleno.emulator.listing import DEFAULT_REMINDERS, list_events, parse_query
from kaleno.emulator.push import stop as stop_channel
from kaleno.emulator.push import watch as watch_events
from kaleno.emulator.scopes import CALENDAR_METHOD_SCOPES
from kaleno.emulator.state import Account, Calendar, EmulatorState

bp = Blueprint("emulator_calendar", __name__, url_prefix="/calendar/v3")
Handler = Callable[[EmulatorState, Account], Response]


@bp.errorhandler(CalendarError)
def _render_error(error: CalendarError) -> Response:
    return error.to_response()


def _call(method_id: str, handler: Handler) -> Response:
    """Count the call, apply any fault, check the Bearer token and scopes, then run.

    Raises:
        CalendarError: the injected fault, 401 for bad credentials, 403 for scopes.
    """
    state = current_state()
    fault = take_fault(state, method_id)
    if fault is not None and fault.status != 200:
        raise fault_error(fault.status, fault.reason)
    header = request.headers.get("Authorization", "")
    if not header:
        raise missing_credentials()
    token = header[7:].strip() if header[:7].lower() == "bearer " else ""
    with state.lock:
        access = state.live_access_token(token) if token else None
        if access is None:
            raise invalid_credentials()
        accepted = CALENDAR_METHOD_SCOPES[method_id]
        if not set(accepted) & set(access.scopes):
            raise insufficient_permissions(method_id, accepted)
        account = state.account_by_sub(state.grants[access.grant_id].sub)
        if account is None:
            raise invalid_credentials()
        return handler(state, account)


def _calendar(state: EmulatorState, account: Account, calendar_id: str) -> Calendar:
    calendar = owned_calendar(state, account, calendar_id)
    if calendar is None:
        raise not_found()
    return calendar


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise CalendarError(400, "parseError", "Parse Error")
    return body


def _conference_version() -> int:
    raw = request.args.get("conferenceDataVersion", "0")
    if raw not in ("0", "1"):
        raise invalid(f"Invalid conferenceDataVersion: {raw}", "conferenceDataVersion")
    return int(raw)


def _send_updates() -> str | None:
    value = request.args.get("sendUpdates")
    if value is not None and value not in SEND_UPDATES:
        raise invalid(f"Invalid sendUpdates value: {value}", "sendUpdates")
    return value


def _record_send_updates(
    state: EmulatorState, method_id: str, calendar: Calendar, event_id: str, value: str | None
) -> None:
    state.send_updates.append(
        {
            "method": method_id,
            "calendarId": calendar.calendar_id,
            "eventId": event_id,
            "sendUpdates": value,
        }
    )


@bp.get("/users/me/calendarList")
def calendar_list() -> Response:
    """List the calendars the signed-in account owns."""

    def run(state: EmulatorState, account: Account) -> Response:
        owned = [c for c in state.calendars.values() if c.owner_email == account.email]
        items = [
            {
                "kind": "calendar#calendarListEntry",
                "etag": f'"{zlib.crc32(c.calendar_id.encode()):016d}"',
                "id": c.calendar_id,
                "summary": c.summary,
                "timeZone": c.time_zone,
                "colorId": "14",
                "backgroundColor": "#9fe1e7",
                "foregroundColor": "#000000",
                "selected": True,
                "accessRole": "owner",
                "defaultReminders": DEFAULT_REMINDERS if c.primary else [],
                **({"primary": True} if c.primary else {}),
                "conferenceProperties": {"allowedConferenceSolutionTypes": ["hangoutsMeet"]},
            }
            for c in sorted(owned, key=lambda c: (not c.primary, c.calendar_id))
        ]
        body = {
            "kind": "calendar#calendarList",
            "etag": f'"p{state.change_counter:015d}"',
            "nextSyncToken": f"emulator-{state.generation}-{state.change_counter}",
            "items": items,
        }
        return json_response(body)

    return _call("calendar.calendarList.list", run)


@bp.post("/freeBusy")
def free_busy() -> Response:
    """Answer busy intervals for the requested calendars."""
    body = request.get_json(silent=True)
    return _call(
        "calendar.freebusy.query",
        lambda state, account: json_response(query_free_busy(state, account, body)),
    )


@bp.get("/calendars/<calendar_id>/events")
def list_route(calendar_id: str) -> Response:
    """List events, a page at a time, or the changes since a sync token."""

    def run(state: EmulatorState, account: Account) -> Response:
        calendar = _calendar(state, account, calendar_id)
        return json_response(list_events(state, calendar, parse_query(request.args)))

    return _call("calendar.events.list", run)


@bp.post("/calendars/<calendar_id>/events")
def insert_route(calendar_id: str) -> Response:
    """Insert an event (client ids allowed; Meet link on conferenceData.createRequest)."""

    def run(state: EmulatorState, account: Account) -> Response:
        calendar = _calendar(state, account, calendar_id)
        body, version, send_updates = _body(), _conference_version(), _send_updates()
        event = insert_event(state, calendar, body, version)
        _record_send_updates(state, "calendar.events.insert", calendar, event["id"], send_updates)
        return json_response(event)

    return _call("calendar.events.insert", run)


@bp.get("/calendars/<calendar_id>/events/<event_id>")
def get_route(calendar_id: str, event_id: str) -> Response:
    """Return one event (cancelled events too, with status cancelled)."""

    def run(state: EmulatorState, account: Account) -> Response:
        calendar = _calendar(state, account, calendar_id)
        return json_response(find_event(calendar, event_id))

    return _call("calendar.events.get", run)


@bp.route("/calendars/<calendar_id>/events/<event_id>", methods=["PATCH", "PUT"])
def change_route(calendar_id: str, event_id: str) -> Response:
    """Patch (merge) or update (replace) an event."""
    method_id = "calendar.events.patch" if request.method == "PATCH" else "calendar.events.update"
    change = patch_event if request.method == "PATCH" else update_event

    def run(state: EmulatorState, account: Account) -> Response:
        calendar = _calendar(state, account, calendar_id)
        body, version, send_updates = _body(), _conference_version(), _send_updates()
        event = change(state, calendar, event_id, body, version)
        _record_send_updates(state, method_id, calendar, event_id, send_updates)
        return json_response(event)

    return _call(method_id, run)


@bp.delete("/calendars/<calendar_id>/events/<event_id>")
def delete_route(calendar_id: str, event_id: str) -> Response:
    """Cancel an event; a second delete answers 410 deleted."""

    def run(state: EmulatorState, account: Account) -> Response:
        calendar = _calendar(state, account, calendar_id)
        send_updates = _send_updates()
        delete_event(state, calendar, event_id)
        _record_send_updates(state, "calendar.events.delete", calendar, event_id, send_updates)
        return Response(status=204)

    return _call("calendar.events.delete", run)


def _client_of(state: EmulatorState) -> str:
    """The OAuth client of the request's (already checked) access token."""
    token = request.headers.get("Authorization", "")[7:].strip()
    access = state.live_access_token(token)
    assert access is not None  # _call checked it under the same lock
    return state.grants[access.grant_id].client_id


@bp.post("/calendars/<calendar_id>/events/watch")
def watch_route(calendar_id: str) -> Response:
    """Open a push channel on the calendar's events (``sync`` message first)."""

    def run(state: EmulatorState, account: Account) -> Response:
        calendar = _calendar(state, account, calendar_id)
        base = request.host_url.rstrip("/")
        channel = watch_events(state, calendar, _body(), base, _client_of(state), account.sub)
        return json_response(channel)

    return _call("calendar.events.watch", run)


@bp.post("/channels/stop")
def stop_route() -> Response:
    """Stop a channel (same account and OAuth client as created it); 204, no body."""

    def run(state: EmulatorState, account: Account) -> Response:
        stop_channel(state, _body(), _client_of(state), account.sub)
        return Response(status=204)

    return _call("calendar.channels.stop", run)
