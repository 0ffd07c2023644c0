"""Erased values must not survive in the database files.

SQLite runs with ``secure_delete`` (set on every connection in ``kaleno.extensions``), so
freed space is overwritten with zeros; after an erasure or a purge has committed, the
write-ahead log, which still holds the old pages, is checkpointed into the database and
truncated. PostgreSQL keeps old row versions until ``VACUUM`` reclaims them: PRIVACY.md
says how the operator runs it.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from kaleno.extensions import db

log = logging.getLogger(__name__)


def wipe_freed_space() -> None:
    """On SQLite, move the WAL into the (securely deleted) database and truncate it."""
    if db.engine.dialect.name != "sqlite":
        return
    try:
        with db.engine.connect() as conn:
            busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
    except SQLAlchemyError:
        log.warning("WAL checkpoint after erasure failed; it happens on the next one")
        return
    if busy is not None and busy[0]:
        log.warning("WAL checkpoint after erasure was blocked by a reader; it runs next time")
