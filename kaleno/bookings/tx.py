"""Transactions that check and then write, serialized on SQLite too."""

from __future__ import annotations

from kaleno.extensions import SQLITE_BEGIN, db
from kaleno.unit_of_work import commit_step


def begin_write() -> None:
    """End whatever the session holds and start a transaction that writes.

    On SQLite the transaction begins with ``BEGIN IMMEDIATE``: the write lock is held
    from the first read, so a check and the write it guards are one serialized step. On
    PostgreSQL it is an ordinary transaction; row locks and constraints do that work.
    """
    commit_step("write lock")
    db.session.connection(execution_options={SQLITE_BEGIN: "immediate"})


def is_postgresql() -> bool:
    """Whether the session's database is PostgreSQL."""
    return db.session.get_bind().dialect.name == "postgresql"
