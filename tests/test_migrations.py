"""Migrations: exactly one head, and the models agree with what the migrations build."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

from kaleno.extensions import db


def _scripts(app: Flask) -> ScriptDirectory:
    config = app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config)


def test_exactly_one_head(app: Flask) -> None:
    with app.app_context():
        assert len(_scripts(app).get_heads()) == 1


def test_database_is_at_head(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
        assert set(current) == set(_scripts(app).get_heads())


def test_models_match_migrations(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ: {diff}"
