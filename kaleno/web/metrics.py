"""Prometheus metrics: HTTP traffic by route template, Google calls, token refresh failures.

Labels never carry a raw path, a query string or an id: routes are labelled by their
template (``/api/bookings/<uuid:booking_id>``), unmatched URLs as ``<unmatched>``.
Under gunicorn, ``PROMETHEUS_MULTIPROC_DIR`` (set by ``gunicorn.conf.py`` before any
worker starts) makes every worker write its samples where a scrape of any worker sums them.
"""

from __future__ import annotations

import time

from flask import Flask, Response, g, request
from prometheus_client import Counter, Histogram, disable_created_metrics

UNMATCHED_ROUTE = "<unmatched>"
TOKEN_REFRESH_METHOD = "oauth2.token.refresh"  # noqa: S105 - a method name
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# ``*_created`` series double the output and no dashboard of ours reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "kaleno_http_requests",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "kaleno_http_request_duration_seconds",
    "Time from the first hook to the response, by route template, method and status.",
    ["route", "method", "status"],
    buckets=_LATENCY_BUCKETS,
)
GOOGLE_CALLS = Counter(
    "kaleno_google_calls", "Calls to Google, by API method (discovery id).", ["method"]
)
GOOGLE_ERRORS = Counter(
    "kaleno_google_errors",
    "Failed calls to Google, by API method and HTTP status (none: no answer).",
    ["method", "status"],
)
TOKEN_REFRESH_FAILURES = Counter(
    "kaleno_google_token_refresh_failures",
    "Access-token refreshes that failed (revoked grant or Google unavailable).",
)


def record_google_call(method: str, ok: bool, status: int | None) -> None:
    """Count one call to Google (``method`` is the discovery id, e.g. ``calendar.events.insert``;
    ``oauth2.token.refresh`` for a token refresh) and, when it failed, its status."""
    GOOGLE_CALLS.labels(method=method).inc()
    if ok:
        return
    GOOGLE_ERRORS.labels(method=method, status=str(status) if status else "none").inc()
    if method == TOKEN_REFRESH_METHOD:
        TOKEN_REFRESH_FAILURES.inc()


def route_label() -> str:
    """The matched route's template, never the raw path."""
    return request.url_rule.rule if request.url_rule is not None else UNMATCHED_ROUTE


def install(app: Flask) -> None:
    """Time every request and count it by route template, method and status."""

    @app.before_request
    def _start_timer() -> None:
        g.kaleno_request_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.get("kaleno_request_started")
        method = request.method if request.method in _KNOWN_METHODS else "OTHER"
        labels = {"route": route_label(), "method": method, "status": str(response.status_code)}
        HTTP_REQUESTS.labels(**labels).inc()
        if started is not None:
            HTTP_LATENCY.labels(**labels).observe(time.perf_counter() - started)
        return response
