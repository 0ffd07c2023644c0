"""Kaleno: a booking backend on top of Google Calendar."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from config import Config, load_config


def create_app(config: Config | Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app for ``config`` (default: from the ``KALENO_*`` environment).

    Raises:
        config.ConfigError: when the configuration is unusable (one-line reason).
    """
    from kaleno import models  # noqa: F401 - registers every table on the metadata
    from kaleno.account.routes import bp as account_bp
    from kaleno.auth.routes import bp as auth_bp
    from kaleno.bookings.routes import bp as bookings_bp
    from kaleno.cli import register_cli
    from kaleno.console.routes import bp as console_bp
    from kaleno.errors import register_error_handlers
    from kaleno.extensions import db, migrate
    from kaleno.health import bp as health_bp
    from kaleno.i18n import init_i18n
    from kaleno.integrations import init_integrations
    from kaleno.integrations.key_routes import bp as api_keys_bp
    from kaleno.integrations.webhook_routes import bp as webhooks_bp
    from kaleno.logs import configure_logging
    from kaleno.notices import init_notices
    from kaleno.pages.routes import bp as customer_pages_bp
    from kaleno.privacy.routes import bp as privacy_bp
    from kaleno.privacy_centre.routes import bp as privacy_centre_bp
    from kaleno.scheduling.availability_settings import bp as availability_bp
    from kaleno.scheduling.event_types import bp as event_types_bp
    from kaleno.scheduling.pages import bp as pages_bp
    from kaleno.site import cookies as site_cookies
    from kaleno.site.routes import bp as site_bp
    from kaleno.sync.routes import bp as sync_bp
    from kaleno.sync.runner import register as register_sync_jobs
    from kaleno.unit_of_work import init_unit_of_work
    from kaleno.web import init_web

    if config is None:
        config = load_config()
    app = Flask(__name__, instance_relative_config=True)
    if isinstance(config, Config):
        app.config.update(config.as_flask_mapping())
    else:
        app.config.update(config)
    configure_logging(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir())
    register_error_handlers(app)
    init_unit_of_work(app)
    init_i18n(app)
    register_cli(app)
    app.register_blueprint(health_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(event_types_bp)
    app.register_blueprint(availability_bp)
    app.register_blueprint(pages_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(bookings_bp)
    app.register_blueprint(webhooks_bp)
    app.register_blueprint(api_keys_bp)
    app.register_blueprint(site_bp)
    app.register_blueprint(console_bp)
    app.register_blueprint(privacy_centre_bp)
    site_cookies.install(app)
    app.register_blueprint(customer_pages_bp)
    init_notices(app)
    init_integrations(app)
    app.register_blueprint(sync_bp)
    register_sync_jobs()
    if app.config.get("GENERATED_SECRETS"):
        logging.getLogger(__name__).warning(
            "development: using throwaway secrets kept in instance/dev-secrets.json"
        )
    init_web(app)  # last: limits, headers and metrics cover every blueprint above
    return app


def _migrations_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / "migrations")
