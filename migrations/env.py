"""Alembic environment, driven by Flask-Migrate (``flask db …``)."""

from __future__ import annotations

import logging
from typing import Any

from alembic import context
from flask import current_app

log = logging.getLogger("alembic.env")
config = context.config
target_db = current_app.extensions["migrate"].db


def _engine() -> Any:
    return target_db.engine


def _skip_empty_autogenerate(context_: Any, revision: Any, directives: list[Any]) -> None:
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        log.info("No changes in schema detected.")


def run_migrations_offline() -> None:
    """Emit SQL for the migrations without a connection."""
    context.configure(
        url=_engine().url.render_as_string(hide_password=False),
        target_metadata=target_db.metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Apply the migrations over a live connection."""
    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", _skip_empty_autogenerate)
    with _engine().connect() as connection:
        if connection.dialect.name == "sqlite":
            # Batch migrations rebuild a SQLite table by dropping it; with foreign keys
            # enforced, ON DELETE CASCADE would empty every table that points at it (a
            # rebuilt users table took all bookings with it). Off for the migration only;
            # the pragma is a no-op inside a transaction, so set it before one starts.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_db.metadata,
            **conf_args,
        )
        with context.begin_transaction():
            context.run_migrations()
        if connection.dialect.name == "sqlite":  # the connection goes back to the pool
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
