"""Cache-busted URLs for the files under ``kaleno/static/``.

``asset_url("pages.css")`` is ``/static/pages.css?v=<digest of its bytes>``: a changed
file gets a new URL, so those URLs may be cached for a year.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from flask import Flask, Response, request, url_for

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"


@functools.cache
def _digest(filename: str) -> str:
    return hashlib.sha256((STATIC_DIR / filename).read_bytes()).hexdigest()[:12]


def asset_url(filename: str) -> str:
    """The cache-busted URL of a static file."""
    return url_for("static", filename=filename, v=_digest(filename))


def install(app: Flask) -> None:
    """Offer ``asset_url`` to templates; versioned static URLs are cached for a year."""
    app.jinja_env.globals["asset_url"] = asset_url

    @app.after_request
    def _cache_versioned(response: Response) -> Response:
        if request.endpoint == "static" and "v" in request.args and response.status_code == 200:
            response.headers["Cache-Control"] = IMMUTABLE
        return response
