"""Bounded waits for every call to Google: Calendar, token refresh, signing keys.

google-auth's transport waits 120 s per request by default and retries the token
endpoint up to three times, so one hung endpoint could hold a page for minutes. Every
Google call here shares one per-request timeout and, for google-auth's retry loops,
one overall deadline.
"""

from __future__ import annotations

import time
from typing import Any

import google.auth.exceptions
import google.auth.transport.requests
import requests
from flask import current_app, has_app_context

DEFAULT_HTTP_TIMEOUT_S = 10.0
# google-auth retries the token endpoint (3 attempts); all of them share this many timeouts.
DEADLINE_TIMEOUTS = 2


def http_timeout_s() -> float:
    """Seconds one HTTP request to Google may take (``KALENO_GOOGLE_TIMEOUT_S``)."""
    if has_app_context():
        return float(current_app.config.get("GOOGLE_TIMEOUT_S", DEFAULT_HTTP_TIMEOUT_S))
    return DEFAULT_HTTP_TIMEOUT_S


class BoundedRequest(google.auth.transport.requests.Request):
    """google-auth's requests transport with Kaleno's timeout and an overall deadline.

    Use one instance per operation (a refresh, a key fetch): once its deadline has passed,
    further attempts of google-auth's retry loop fail at once as a ``TransportError``.
    """

    def __init__(self, session: requests.Session) -> None:
        super().__init__(session=session)
        self.timeout_s = http_timeout_s()
        self.deadline = time.monotonic() + self.timeout_s * DEADLINE_TIMEOUTS

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: Any = None,
        headers: Any = None,
        timeout: Any = None,
        **kwargs: Any,
    ) -> Any:
        """Send one request, never waiting past the per-request timeout or the deadline."""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise google.auth.exceptions.TransportError("Google did not answer in time.")
        bounded = min(self.timeout_s, remaining)
        return super().__call__(url, method, body, headers, timeout=bounded, **kwargs)
