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


def test_postgres_has_the_no_overlap_exclusion_constraint(app: Flask) -> None:
    import pytest
    from sqlalchemy import text

    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name != "postgresql":
            pytest.skip("exclusion constraints exist only on PostgreSQL")
        definition = conn.execute(
            text(
                "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "JOIN pg_class t ON t.oid = c.conrelid "
                "WHERE c.conname = 'ex_bookings_no_overlap' AND t.relname = 'bookings' "
                "AND t.relnamespace = to_regnamespace(current_schema())"
            )
        ).scalar_one()
    assert definition.startswith("EXCLUDE USING gist (host_id WITH =, tstzrange(")
    assert "WHERE (active)" in definition
