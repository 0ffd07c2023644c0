"""Extension singletons, bound to an app in ``create_app``."""

import sqlite3
from typing import Any

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from kaleno.models.base import Base

db = SQLAlchemy(model_class=Base)
# Execution option naming how a transaction on SQLite begins (see ``_sqlite_begin``).
SQLITE_BEGIN = "kaleno_sqlite_begin"
migrate = Migrate(compare_type=True)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Make SQLite enforce foreign keys, let readers run beside one writer, zero freed space."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        # Erased values are overwritten with zeros, not left in free pages (PRIVACY.md).
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn: Connection) -> None:
    """Start an SQLite transaction with ``BEGIN IMMEDIATE`` when the connection asks for it.

    A unit of work that checks and then writes (a booking: no overlap, then insert) opts in
    with ``db.session.connection(execution_options={SQLITE_BEGIN: "immediate"})``: the
    write lock is taken before the check, so check and insert are one serialized step.
    Other transactions keep pysqlite's default (``BEGIN`` just before the first write),
    which never pins a read snapshot that a later write could not upgrade under WAL.
    """
    if conn.dialect.name == "sqlite" and conn.get_execution_options().get(SQLITE_BEGIN) == (
        "immediate"
    ):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
