"""Serving concerns around the app: proxies, rate limits, security headers, CORS, metrics.

``init_web(app)`` is the last step of ``create_app``: rate limits are chosen per request
from the matched URL rule, so they cover every blueprint whenever it was registered.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_web(app: Flask) -> None:
    """Install the serving layer on ``app``.

    Raises:
        config.ConfigError: when a rate limit or the CORS origins are unusable.
    """
    from kaleno.web import assets, cors, headers, input_guard, limits, metrics, routes

    # Metrics hooks first: their timer starts before a rate limit can refuse the request.
    metrics.install(app)
    limits.install(app)
    input_guard.install(app)
    headers.install(app)
    cors.install(app)
    assets.install(app)
    app.register_blueprint(routes.bp)
    trusted = int(app.config.get("TRUSTED_PROXIES", 0))
    if trusted > 0:
        # Only X-Forwarded-For and -Proto: a proxy that does not set X-Forwarded-Host would
        # let clients choose the Host, so that header is never trusted.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=trusted, x_proto=trusted
        )
