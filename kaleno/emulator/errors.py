"""Google's error bodies: the Calendar JSON envelope and RFC 6749 OAuth errors.

Bodies and reason strings follow shared/google-samples/calendar-errors.json and
token-errors.json; key order follows the documented form, or the observed form for the
401/403 bodies that carry ``status`` and ``details``.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response

from kaleno.emulator.scopes import rpc_method_name

REALM = 'Bearer realm="https://accounts.google.com/"'
CALENDAR_CONTENT_TYPE = "application/json; charset=UTF-8"
OAUTH_HEADERS = {
    "Cache-Control": "no-cache, no-store, max-age=0, must-revalidate",
    "Pragma": "no-cache",
    "Expires": "Mon, 01 Jan 1990 00:00:00 GMT",
}


def json_response(
    body: Any, status: int = 200, content_type: str = CALENDAR_CONTENT_TYPE
) -> Response:
    """Serialize ``body`` keeping key order, with Google's content type."""
    return Response(json.dumps(body, indent=2), status=status, content_type=content_type)


def oauth_json(body: Any, status: int = 200) -> Response:
    """Answer like the token endpoint: JSON, no caching."""
    response = json_response(body, status, "application/json; charset=utf-8")
    response.headers.update(OAUTH_HEADERS)
    return response


def oauth_error(error: str, description: str, status: int = 400) -> Response:
    """Return an RFC 6749 error body as Google's token endpoint sends it."""
    return oauth_json({"error": error, "error_description": description}, status)


class CalendarError(Exception):
    """A Calendar API error; raised inside handlers and rendered by ``to_response``."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        *,
        domain: str = "global",
        location: str | None = None,
        location_type: str = "parameter",
        top_message: str | None = None,
        rpc_status: str | None = None,
        details: list[dict[str, Any]] | None = None,
        www_authenticate: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.message = message
        self.domain = domain
        self.location = location
        self.location_type = location_type
        self.top_message = top_message or message
        self.rpc_status = rpc_status
        self.details = details
        self.www_authenticate = www_authenticate

    def body(self) -> dict[str, Any]:
        """Return the JSON envelope."""
        item: dict[str, Any] = {"domain": self.domain, "reason": self.reason}
        item["message"] = self.message
        if self.location is not None:
            item["locationType"] = self.location_type
            item["location"] = self.location
        if self.rpc_status is None:
            return {"error": {"errors": [item], "code": self.code, "message": self.top_message}}
        error: dict[str, Any] = {"code": self.code, "message": self.top_message}
        error["errors"] = [item]
        error["status"] = self.rpc_status
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}

    def to_response(self) -> Response:
        """Render as an HTTP response with Google's headers."""
        response = json_response(self.body(), self.code)
        response.headers["Cache-Control"] = "private, max-age=0"
        response.headers["Vary"] = "Origin, X-Origin"
        if self.www_authenticate is not None:
            response.headers["WWW-Authenticate"] = self.www_authenticate
        return response


_UNAUTH_HINT = (
    " Expected OAuth 2 access token, login cookie or other valid authentication credential."
    " See https://developers.google.com/identity/sign-in/web/devconsole-project."
)


def missing_credentials() -> CalendarError:
    """401 for a request without an Authorization header."""
    return CalendarError(
        401,
        "required",
        "Login Required.",
        location="Authorization",
        location_type="header",
        top_message="Request is missing required authentication credential." + _UNAUTH_HINT,
        rpc_status="UNAUTHENTICATED",
        www_authenticate=REALM,
    )


def invalid_credentials() -> CalendarError:
    """401 for an unknown, expired or revoked access token."""
    return CalendarError(
        401,
        "authError",
        "Invalid Credentials",
        location="Authorization",
        location_type="header",
        top_message="Request had invalid authentication credentials." + _UNAUTH_HINT,
        rpc_status="UNAUTHENTICATED",
        www_authenticate=f'{REALM}, error="invalid_token"',
    )


def insufficient_permissions(method_id: str, accepted: tuple[str, ...]) -> CalendarError:
    """403 for a token lacking every scope the method accepts."""
    info = {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
        "domain": "googleapis.com",
        "metadata": {
            "service": "calendar-json.googleapis.com",
            "method": rpc_method_name(method_id),
        },
    }
    return CalendarError(
        403,
        "insufficientPermissions",
        "Insufficient Permission",
        top_message="Request had insufficient authentication scopes.",
        rpc_status="PERMISSION_DENIED",
        details=[info],
        www_authenticate=f'{REALM}, error="insufficient_scope", scope="{" ".join(accepted)}"',
    )


def not_found() -> CalendarError:
    return CalendarError(404, "notFound", "Not Found")


def forbidden() -> CalendarError:
    """403 for changing an event its owner deleted (reason string not confirmed by Google)."""
    return CalendarError(403, "forbidden", "Forbidden")


def duplicate() -> CalendarError:
    return CalendarError(409, "duplicate", "The requested identifier already exists.")


def deleted() -> CalendarError:
    return CalendarError(410, "deleted", "Resource has been deleted")


def full_sync_required() -> CalendarError:
    return CalendarError(
        410,
        "fullSyncRequired",
        "Sync token is no longer valid, a full sync is required.",
        domain="calendar",
        location="syncToken",
    )


def time_range_empty(location: str = "timeMax") -> CalendarError:
    return CalendarError(
        400,
        "timeRangeEmpty",
        "The specified time range is empty.",
        domain="calendar",
        location=location,
    )


def invalid(message: str, location: str | None = None) -> CalendarError:
    """400 ``invalid`` (bad parameter or field value)."""
    return CalendarError(400, "invalid", message, location=location)


def required(message: str, location: str | None = None) -> CalendarError:
    """400 ``required`` (missing parameter or field)."""
    return CalendarError(400, "required", message, location=location)


# Bodies a fault answers with, by HTTP status (reason override allowed for 403).
_FAULT_BODIES: dict[int, tuple[str, str, str, str | None]] = {
    400: ("global", "badRequest", "Bad Request", None),
    401: ("global", "authError", "Invalid Credentials", None),
    403: ("usageLimits", "rateLimitExceeded", "Rate Limit Exceeded", None),
    404: ("global", "notFound", "Not Found", None),
    409: ("global", "duplicate", "The requested identifier already exists.", None),
    410: ("global", "deleted", "Resource has been deleted", None),
    412: ("global", "conditionNotMet", "Precondition Failed", None),
    429: ("usageLimits", "rateLimitExceeded", "Rate Limit Exceeded", "RESOURCE_EXHAUSTED"),
    500: ("global", "backendError", "Backend Error", None),
    502: ("global", "backendError", "Bad Gateway", None),
    503: ("global", "backendError", "The service is currently unavailable.", "UNAVAILABLE"),
    504: ("global", "backendError", "Deadline Exceeded", "DEADLINE_EXCEEDED"),
}
FAULT_STATUSES = frozenset(_FAULT_BODIES) | {200}
FAULT_REASONS_403 = {
    "rateLimitExceeded": "Rate Limit Exceeded",
    "userRateLimitExceeded": "User Rate Limit Exceeded",
    "quotaExceeded": "Calendar usage limits exceeded.",
}


def fault_error(status: int, reason: str | None = None) -> CalendarError:
    """Build the Calendar error an injected fault answers with."""
    domain, default_reason, message, rpc_status = _FAULT_BODIES[status]
    if status == 403 and reason is not None:
        return CalendarError(403, reason, FAULT_REASONS_403[reason], domain="usageLimits")
    return CalendarError(status, default_reason, message, domain=domain, rpc_status=rpc_status)


# Token-endpoint fault variants (``reason``), bodies as observed in
# shared/google-samples/token-errors.json; invalid_rapt as google-auth's reauth module
# expects it (error invalid_grant with error_subtype invalid_rapt).
OAUTH_FAULT_REASONS = {
    400: ("invalid_grant", "invalid_rapt"),
    401: ("invalid_client", "unauthorized_client"),
}


def oauth_fault(status: int, reason: str | None = None) -> Response:
    """Build the token/revoke endpoint answer for an injected fault."""
    if status == 400 and reason == "invalid_rapt":
        body = {
            "error": "invalid_grant",
            "error_description": "reauth related error (invalid_rapt)",
            "error_uri": "https://support.google.com/a/answer/9368756",
            "error_subtype": "invalid_rapt",
        }
        return oauth_json(body, 400)
    if status == 400:
        return oauth_error("invalid_grant", "Bad Request")
    if status == 401 and reason == "unauthorized_client":
        return oauth_error("unauthorized_client", "Unauthorized", 401)
    if status == 401:
        return oauth_error("invalid_client", "The OAuth client was not found.", 401)
    if status == 429:
        return oauth_error("rate_limit_exceeded", "Rate Limit Exceeded", 429)
    if status >= 500:
        return oauth_error("internal_failure", "Backend Error", status)
    return oauth_error("invalid_request", "Bad Request", status)
