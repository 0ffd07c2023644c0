"""Security headers on every response, errors included.

JSON gets ``default-src 'none'``. A server-rendered page may load scripts, styles, images
and fonts from its own origin only (no inline script ever; inline ``<style>`` only on the
few pages that still carry one, allowed by hash). Pages are never framed, except the
booking pages a host allows listed origins to embed: the route sets
``g.frame_ancestors`` and this hook writes it into the policy.
"""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response, g, request

CALLBACK_PATHS = frozenset({"/auth/google/callback", "/auth/google/calendar/callback"})
NO_STORE_PREFIXES = ("/api/", "/auth/", "/metrics")
HSTS = "max-age=63072000; includeSubDomains"
_LOCKDOWN = "base-uri 'none'; form-action 'self'"
JSON_CSP = f"default-src 'none'; frame-ancestors 'none'; {_LOCKDOWN}"
_PAGE_SOURCES = "script-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'"
_INLINE_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def page_csp(html: str, frame_ancestors: tuple[str, ...] = ()) -> str:
    """A CSP for a server-rendered page: own-origin assets, inline styles only by hash."""
    hashes = "".join(
        " 'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"
        for css in _INLINE_STYLE.findall(html)
    )
    ancestors = " ".join(frame_ancestors) or "'none'"
    return (
        f"default-src 'none'; {_PAGE_SOURCES}; style-src 'self'{hashes}; "
        f"frame-ancestors {ancestors}; {_LOCKDOWN}"
    )


def install(app: Flask) -> None:
    """Add the headers in an ``after_request`` hook; HSTS only under the production config."""
    production = app.config.get("KALENO_ENV") == "production"

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        frame_ancestors: tuple[str, ...] = tuple(g.get("frame_ancestors", ()))
        if not frame_ancestors:
            # Old browsers know only this header; CSP frame-ancestors wins where both exist.
            headers.setdefault("X-Frame-Options", "DENY")
        if "Content-Security-Policy" not in headers:
            html = response.mimetype == "text/html" and not response.is_streamed
            headers["Content-Security-Policy"] = (
                page_csp(response.get_data(as_text=True), frame_ancestors) if html else JSON_CSP
            )
        # A callback URL carries the authorization code, a manage page is reached by a
        # link that did: never send either on as a Referer.
        private = request.path in CALLBACK_PATHS or g.get("no_referrer", False)
        headers["Referrer-Policy"] = "no-referrer" if private else "strict-origin-when-cross-origin"
        if request.path.startswith(NO_STORE_PREFIXES):
            headers["Cache-Control"] = "no-store"
        if production:
            headers["Strict-Transport-Security"] = HSTS
        return response
