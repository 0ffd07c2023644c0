"""Cross-origin access to ``/api/*`` for the configured origins only."""

from __future__ import annotations

from flask import Flask
from flask_cors import CORS

from config import ConfigError

ALLOWED_HEADERS = ("Content-Type", "X-CSRF-Token", "Idempotency-Key", "Authorization")
ALLOWED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PREFLIGHT_MAX_AGE_S = 600


def install(app: Flask) -> None:
    """Answer CORS for ``CORS_ORIGINS`` on ``/api/*``; with none configured, add nothing.

    Raises:
        ConfigError: when ``*`` is configured (credentials need exact origins).
    """
    origins = list(app.config.get("CORS_ORIGINS", ()))
    if not origins:
        return
    if any("*" in origin for origin in origins):
        raise ConfigError("KALENO_CORS_ORIGINS must list exact origins, not *")
    CORS(
        app,
        resources={r"/api/*": {"origins": origins}},
        supports_credentials=True,
        expose_headers=["X-Request-Id"],
        allow_headers=list(ALLOWED_HEADERS),
        methods=list(ALLOWED_METHODS),
        max_age=PREFLIGHT_MAX_AGE_S,
        vary_header=True,
    )
