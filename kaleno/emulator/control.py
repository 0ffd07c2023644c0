"""The control plane under ``/_emulator/``: JSON in, JSON out, for tests and scripts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from kaleno.emulator.app_state import current_state
from kaleno.emulator.control_events import PUSH_METHOD, push_fault
from kaleno.emulator.errors import (
    FAULT_REASONS_403,
    FAULT_STATUSES,
    OAUTH_FAULT_REASONS,
    CalendarError,
    json_response,
)
from kaleno.emulator.events import insert_event
from kaleno.emulator.faults import OAUTH_METHODS
from kaleno.emulator.push_delivery import deliverer
from kaleno.emulator.scopes import CALENDAR_METHOD_SCOPES
from kaleno.emulator.snapshot import describe_state
from kaleno.emulator.state import Calendar, Client, Fault, PendingAuthorization

bp = Blueprint("emulator_control", __name__, url_prefix="/_emulator")
FAULT_METHODS = frozenset(CALENDAR_METHOD_SCOPES) | frozenset(OAUTH_METHODS)
JSON = "application/json"


class ControlError(Exception):
    """Bad control-plane input; rendered as ``{"error": message}``."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@bp.errorhandler(ControlError)
def _render_error(error: ControlError) -> Response:
    return json_response({"error": error.message}, error.status, JSON)


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ControlError("expected a JSON object body")
    return body


def _text(body: dict[str, Any], key: str, *, optional: bool = False) -> str | None:
    value = body.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise ControlError(f"'{key}' must be a non-empty string")
    return value


def _required_text(body: dict[str, Any], key: str) -> str:
    value = _text(body, key)
    assert value is not None
    return value


def _int(body: dict[str, Any], key: str, default: int | None = None, minimum: int = 0) -> int:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ControlError(f"'{key}' must be an integer >= {minimum}")
    return value


def _string_list(body: dict[str, Any], key: str) -> list[str] | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ControlError(f"'{key}' must be a list of strings or null")
    return list(value)


@bp.post("/clients")
def add_client() -> Response:
    """Register (or replace) an OAuth client."""
    body = _body()
    client_id = _required_text(body, "client_id")
    secret = _required_text(body, "client_secret")
    uris = _string_list(body, "redirect_uris")
    if not uris:
        raise ControlError("'redirect_uris' must be a non-empty list of strings")
    state = current_state()
    with state.lock:
        state.clients[client_id] = Client(client_id, secret, uris)
    reply = {"client_id": client_id, "client_secret": secret, "redirect_uris": uris}
    return json_response(reply, 201, JSON)


@bp.post("/accounts")
def add_account() -> Response:
    """Create an account with a primary calendar; answer its ``sub``."""
    body = _body()
    email = _required_text(body, "email")
    name = _required_text(body, "name")
    hd = _text(body, "hd", optional=True)
    time_zone = _text(body, "timeZone", optional=True) or "UTC"
    if "@" not in email:
        raise ControlError("'email' must be an email address")
    state = current_state()
    with state.lock:
        if email in state.accounts:
            raise ControlError(f"account {email} already exists", 409)
        account = state.add_account(email, name, hd, time_zone)
    reply = {"sub": account.sub, "email": email, "name": name, "hd": hd, "timeZone": time_zone}
    return json_response(reply, 201, JSON)


@bp.post("/authorization")
def script_authorization() -> Response:
    """Queue what the next authorization request does instead of showing the page."""
    body = _body()
    mode = body.get("mode")
    if mode not in ("approve", "deny"):
        raise ControlError("'mode' must be 'approve' or 'deny'")
    email = _text(body, "email", optional=mode == "deny")
    scopes = _string_list(body, "scopes")
    state = current_state()
    with state.lock:
        if mode == "approve" and email not in state.accounts:
            raise ControlError(f"no account {email}; create it first", 404)
        state.pending_authorizations.append(PendingAuthorization(mode, email, scopes))
    return json_response({"mode": mode, "email": email, "scopes": scopes}, 201, JSON)


@bp.post("/events")
def add_event() -> Response:
    """Put an event in an account's calendar as if made in Google (secondary ids create
    a secondary calendar)."""
    body = _body()
    email = _required_text(body, "email")
    calendar_id = _text(body, "calendarId", optional=True) or "primary"
    event = body.get("event")
    if not isinstance(event, dict):
        raise ControlError("'event' must be a JSON object")
    state = current_state()
    with state.lock:
        if email not in state.accounts:
            raise ControlError(f"no account {email}", 404)
        key = email if calendar_id == "primary" else calendar_id
        calendar = state.calendars.get(key)
        if calendar is None:
            time_zone = state.accounts[email].time_zone
            calendar = Calendar(key, email, key, time_zone, primary=False)
            state.calendars[key] = calendar
        elif calendar.owner_email != email:
            raise ControlError(f"calendar {calendar_id} belongs to another account", 409)
        try:
            created = insert_event(state, calendar, event, conference_version=1)
        except CalendarError as exc:
            raise ControlError(f"{exc.reason}: {exc.message}", exc.code) from exc
    return json_response(created, 201, JSON)


def _reason_allowed(method: str, status: int, reason: str) -> bool:
    if method.startswith("oauth2.token."):
        return reason in OAUTH_FAULT_REASONS.get(status, ())
    return method.startswith("calendar.") and status == 403 and reason in FAULT_REASONS_403


@bp.post("/faults")
def add_fault() -> Response:
    """Make the next ``count`` calls of a method answer ``status`` after ``delay_ms``."""
    body = _body()
    method = _required_text(body, "method")
    if method == PUSH_METHOD:
        return json_response(push_fault(body), 201, JSON)
    if method not in FAULT_METHODS:
        raise ControlError(f"unknown method {method}; one of {sorted(FAULT_METHODS)}")
    status = _int(body, "status")
    if status not in FAULT_STATUSES:
        raise ControlError(f"'status' must be one of {sorted(FAULT_STATUSES)}")
    count = _int(body, "count", 1, minimum=1)
    delay_ms = _int(body, "delay_ms", 0)
    reason = _text(body, "reason", optional=True)
    if reason is not None and not _reason_allowed(method, status, reason):
        raise ControlError(
            f"'reason' is for Calendar 403 (one of {sorted(FAULT_REASONS_403)}) or token "
            f"endpoint 400/401 (one of {dict(OAUTH_FAULT_REASONS)})"
        )
    state = current_state()
    with state.lock:
        state.faults.append(Fault(method, status, count, delay_ms, reason))
    reply = {"method": method, "status": status, "count": count, "delay_ms": delay_ms}
    return json_response({**reply, "reason": reason}, 201, JSON)


def _number(body: dict[str, Any], key: str) -> float:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ControlError(f"'{key}' must be a number >= 0")
    return float(value)


def _settings_changes(body: dict[str, Any]) -> dict[str, Any]:
    """Validate a settings body into attribute changes (nothing applied on bad input)."""
    changes: dict[str, Any] = {}
    if "access_token_ttl_s" in body:
        # 0 would make oauthlib drop expires_at (and google-auth-oauthlib fail).
        changes["access_token_ttl_s"] = _int(body, "access_token_ttl_s", minimum=1)
    if "clock_offset_s" in body:
        offset = body["clock_offset_s"]
        if isinstance(offset, bool) or not isinstance(offset, int):
            raise ControlError("'clock_offset_s' must be an integer (seconds, may be negative)")
        changes["clock_offset_s"] = offset
    if "conference_status" in body:
        if body["conference_status"] not in ("success", "pending"):
            raise ControlError("'conference_status' must be 'success' or 'pending'")
        changes["conference_status"] = body["conference_status"]
    if "conference_ready_after_s" in body:
        changes["conference_ready_after_s"] = _number(body, "conference_ready_after_s")
    if "refresh_token_on_repeat_consent" in body:
        if not isinstance(body["refresh_token_on_repeat_consent"], bool):
            raise ControlError("'refresh_token_on_repeat_consent' must be true or false")
        changes["refresh_token_on_repeat_consent"] = body["refresh_token_on_repeat_consent"]
    if "channel_ttl_s" in body:
        changes["channel_ttl_s"] = _int(body, "channel_ttl_s", minimum=1)
    return changes


SETTINGS = (
    "access_token_ttl_s",
    "clock_offset_s",
    "conference_status",
    "conference_ready_after_s",
    "refresh_token_on_repeat_consent",
    "channel_ttl_s",
)


@bp.post("/settings")
def settings() -> Response:
    """Change token lifetime, clock offset, Meet readiness and the repeat-consent rule;
    optionally make every sync token stale."""
    body = _body()
    changes = _settings_changes(body)
    state = current_state()
    with state.lock:
        for name, value in changes.items():
            setattr(state, name, value)
        if body.get("invalidate_sync_tokens") is True:
            state.generation += 1
        reply = {name: getattr(state, name) for name in SETTINGS}
    return json_response(reply, 200, JSON)


@bp.get("/state")
def state_view() -> Response:
    """Describe everything the emulator holds (tokens included: this is a test tool)."""
    state = current_state()
    with state.lock:
        reply = describe_state(state)
    return json_response(reply, 200, JSON)


@bp.post("/reset")
def reset() -> Response:
    """Forget everything but the clients given on the command line."""
    state = current_state()
    with state.lock:
        state.reset()
    deliverer(state).clear()
    return json_response({}, 200, JSON)
