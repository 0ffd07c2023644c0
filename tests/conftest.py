"""Shared fixtures: an app on a fresh schema (SQLite or PostgreSQL), its client, the emulator."""

from __future__ import annotations

import os
import secrets
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings
from werkzeug.serving import make_server

from config import TestConfig
from kaleno import create_app
from kaleno.emulator.testing import EmulatorServer
from kaleno.extensions import db
from tests.auth.browser import Browser
from tests.pages.browser import chromium  # noqa: F401 - one Chromium per session, for all

PG_ENV = "KALENO_TEST_DATABASE_URL"

# CI must be reproducible: the same examples every run (locally they vary, to explore).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")


def _postgres_schema_url(base_url: str, schema: str) -> str:
    """Point ``base_url`` at ``schema`` first, so each run starts from an empty schema."""
    parts = urllib.parse.urlsplit(base_url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    query["options"] = f"-csearch_path={schema},public"
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database nobody else uses: a new PostgreSQL schema, or a new SQLite file."""
    base_url = os.environ.get(PG_ENV, "")
    if not base_url.startswith("postgresql"):
        path: Path = tmp_path_factory.mktemp("db") / "kaleno-test.sqlite3"
        yield f"sqlite:///{path}"
        return
    schema = f"kt_{secrets.token_hex(6)}"
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as error:
        pytest.exit(f"PostgreSQL at {PG_ENV} is unreachable: {type(error).__name__}", returncode=3)
    try:
        yield _postgres_schema_url(base_url, schema)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def make_config(database_url: str, **overrides: object) -> TestConfig:
    """A checked TestConfig on ``database_url`` with attribute overrides."""
    config = TestConfig({**os.environ, PG_ENV: database_url})
    for key, value in overrides.items():
        setattr(config, key, value)
    config.finalize()
    return config


def dispose(app: Flask) -> None:
    """Close every pooled connection of ``app`` (unclosed ones warn, and warnings fail)."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorServer]:
    """The Google emulator on a free local port, for the whole session."""
    with EmulatorServer() as server:
        yield server


class _LateApp:
    """A WSGI callable whose app is set after the server (and so its URL) exists."""

    app: Flask | None = None

    def __call__(self, environ: dict[str, object], start_response: object) -> object:
        assert self.app is not None
        return self.app(environ, start_response)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def _live_server() -> Iterator[tuple[_LateApp, str]]:
    late = _LateApp()
    server = make_server("127.0.0.1", 0, late, threaded=True)  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield late, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def migrated_app(
    database_url: str, emulator: EmulatorServer, _live_server: tuple[_LateApp, str]
) -> Iterator[Flask]:
    """One app for the session, schema built by the real migrations, served over real HTTP
    at ``app.config["BASE_URL"]`` and pointed at the emulator."""
    from flask_migrate import upgrade

    late, base_url = _live_server
    app = create_app(make_config(database_url, GOOGLE_EMULATOR_URL=emulator.url, BASE_URL=base_url))
    with app.app_context():
        upgrade()
    late.app = app
    yield app
    dispose(app)


def every_row(app: Flask) -> str:
    """Every row of every table as text: what a leak or leftover search looks through."""
    with app.app_context():
        return "\n".join(
            repr(tuple(row))
            for table in db.metadata.sorted_tables
            for row in db.session.execute(sa.select(table)).all()
        )


def _empty_tables() -> None:
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def app(migrated_app: Flask) -> Iterator[Flask]:
    """The session app; every table is emptied after each test."""
    yield migrated_app
    with migrated_app.app_context():
        db.session.remove()
        _empty_tables()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def google(app: Flask, emulator: EmulatorServer) -> Iterator[EmulatorServer]:
    """The emulator, reset, with the app's OAuth client registered."""
    emulator.reset()
    base = app.config["BASE_URL"]
    emulator.add_client(
        app.config["GOOGLE_CLIENT_ID"],
        app.config["GOOGLE_CLIENT_SECRET"],
        [f"{base}/auth/google/callback", f"{base}/auth/google/calendar/callback"],
    )
    yield emulator
    emulator.reset()


@pytest.fixture
def browser(app: Flask, google: EmulatorServer) -> Browser:
    """A fresh scripted browser with no cookies, pointed at the live app."""
    return Browser(app, google)
