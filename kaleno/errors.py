"""The error tree and the one handler that renders every error as problem+json (RFC 9457)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar, Protocol

from flask import Flask, Response, current_app, json
from werkzeug.exceptions import HTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:kaleno:problem:"

log = logging.getLogger(__name__)


class KalenoError(Exception):
    """Base of every error Kaleno answers with on purpose.

    Subclasses set ``status``, ``slug`` and ``title``; ``detail`` says what happened in
    this case. Details must never include tokens, codes, keys or personal data.
    """

    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal server error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[Mapping[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = list(errors) if errors else None
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def to_problem(self) -> dict[str, Any]:
        """Return the RFC 9457 body."""
        body: dict[str, Any] = {
            "type": PROBLEM_TYPE_PREFIX + self.slug,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors is not None:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


class ValidationProblem(KalenoError):
    status = 400
    slug = "validation-error"
    title = "The request is not valid"


class MalformedJSON(KalenoError):
    status = 400
    slug = "malformed-json"
    title = "The request body is not valid JSON"


class NotAuthenticated(KalenoError):
    status = 401
    slug = "not-authenticated"
    title = "Sign in first"


class Forbidden(KalenoError):
    status = 403
    slug = "forbidden"
    title = "Not allowed"


class CSRFFailed(KalenoError):
    status = 403
    slug = "csrf-failed"
    title = "Missing or wrong X-CSRF-Token"


class NotFound(KalenoError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(KalenoError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class ServiceUnavailable(KalenoError):
    status = 503
    slug = "service-unavailable"
    title = "Service unavailable"


class HostRestricted(KalenoError):
    status = 409
    slug = "processing-restricted"
    title = "This host has restricted processing of their data"


class _Restrictable(Protocol):
    restricted_at: datetime | None


def ensure_not_restricted(user: _Restrictable) -> None:
    """Guard for every processing path (booking pages, Google calls, emails).

    Raises:
        HostRestricted: 409 while the host's processing is restricted.
    """
    if user.restricted_at is not None:
        raise HostRestricted("Booking is paused while this host's data processing is restricted.")


def problem_response(body: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> Response:
    """Serialize a problem body with the problem+json media type."""
    response = current_app.response_class(
        json.dumps(body), status=int(body["status"]), mimetype=PROBLEM_MEDIA_TYPE
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def http_problem(error: HTTPException) -> Response:
    """Render a Werkzeug HTTP error (404, 405, 413, 429…) as a problem, keeping its
    ``Allow`` and ``Retry-After`` headers."""
    status = error.code or 500
    slug = (error.name or "error").lower().replace(" ", "-")
    body: dict[str, Any] = {
        "type": "about:blank" if status != 400 else PROBLEM_TYPE_PREFIX + "bad-request",
        "title": error.name,
        "status": status,
        "detail": _http_detail(status, error),
    }
    if slug == "bad-request" and "json" in (error.description or "").lower():
        body = MalformedJSON().to_problem()
    headers: dict[str, str] = {}
    if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
        headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    retry_after = dict(error.get_headers()).get("Retry-After")
    if retry_after:
        headers["Retry-After"] = retry_after
    return problem_response(body, headers)


def _http_detail(status: int, error: HTTPException) -> str:
    # Werkzeug's default descriptions are written for HTML pages; keep ours short and plain.
    details = {
        404: "No resource at this URL.",
        405: "This method is not allowed on this URL.",
        413: "The request body is larger than this server accepts.",
        415: "Send the body as application/json.",
        429: "Too many requests; try again after the number of seconds in Retry-After.",
    }
    return details.get(status, error.description or error.name)


def register_error_handlers(app: Flask) -> None:
    """Route every error through one renderer, so nothing answers HTML or a trace."""

    @app.errorhandler(KalenoError)
    def _kaleno_error(error: KalenoError) -> Response:
        if error.status >= 500:
            _rollback()
        return problem_response(error.to_problem(), error.headers)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        return http_problem(error)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        _rollback()
        # The request id is on the log line; the body and the exception text stay out.
        log.error("unhandled error", extra={"error_class": type(error).__name__}, exc_info=True)
        return problem_response(KalenoError().to_problem())


def _rollback() -> None:
    from kaleno.extensions import db

    try:
        db.session.rollback()
    except Exception:
        log.warning("rollback after an error failed", exc_info=True)
