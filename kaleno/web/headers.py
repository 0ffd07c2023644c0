"""Security headers on every response, errors included."""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response, request

CALLBACK_PATHS = frozenset({"/auth/google/callback", "/auth/google/calendar/callback"})
NO_STORE_PREFIXES = ("/api/", "/auth/", "/metrics")
HSTS = "max-age=63072000; includeSubDomains"
_LOCKDOWN = "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
JSON_CSP = f"default-src 'none'; {_LOCKDOWN}"
_INLINE_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def page_csp(html: str) -> str:
    """A CSP for a server-rendered page: nothing loads but its own inline styles, by hash."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"
        for css in _INLINE_STYLE.findall(html)
    )
    style = f"style-src {hashes}; " if hashes else ""
    return f"default-src 'none'; {style}{_LOCKDOWN}"


def install(app: Flask) -> None:
    """Add the headers in an ``after_request`` hook; HSTS only under the production config."""
    production = app.config.get("KALENO_ENV") == "production"

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        if "Content-Security-Policy" not in headers:
            html = response.mimetype == "text/html" and not response.is_streamed
            headers["Content-Security-Policy"] = (
                page_csp(response.get_data(as_text=True)) if html else JSON_CSP
            )
        # A callback URL carries the authorization code: never send it on as a Referer.
        headers["Referrer-Policy"] = (
            "no-referrer" if request.path in CALLBACK_PATHS else "strict-origin-when-cross-origin"
        )
        if request.path.startswith(NO_STORE_PREFIXES):
            headers["Cache-Control"] = "no-store"
        if production:
            headers["Strict-Transport-Security"] = HSTS
        return response
