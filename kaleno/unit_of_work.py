"""Units of work, opened and committed at the entry points, never in services.

Every commit of the application happens here (a test holds the code to it). A unit is
committed by its entry point:

- a request: whatever its services changed is committed once when the route answers
  1xx-3xx, and rolled back otherwise (the error handler rolls back too);
- a CLI command: ``with unit():`` around the command's work;
- the outbox worker loop: each job kind's runner ends its run with
  ``commit_step("job outcome")`` (a job runs as its own unit, or as a few when it must not
  hold a transaction open while a remote answers).

The few steps that must be durable before their entry point's unit ends are named in
``OWN_STEPS`` and commit through ``commit_step``; a few values that must outlive the unit
in progress without committing it (a refreshed token, say) are written by
``commit_apart`` on a connection of their own. Work that must follow a commit and
cannot be undone (wiping freed database pages, say) is registered with ``after_commit``
and runs only once the unit it belongs to committed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, Response
from sqlalchemy import event, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from kaleno.extensions import SQLITE_BEGIN, db

# The steps allowed to commit before their entry point's unit ends, and why each must.
OWN_STEPS = {
    "idempotency key": "a claim (or its answer) other requests with the same key wait on",
    "refreshed token": "a token Google issued is kept even if the request then fails",
    "dead grant": "a grant Google called revoked is marked so, whatever the request does",
    "write lock": "SQLite: end what the session holds, then BEGIN IMMEDIATE",
    "booking": "the booking and its outbox job are durable before the inline Google sync",
    "disconnect": "the disconnect (or erasure) is durable before Google is asked to forget "
    "the grant",
    "job lease": "claimed outbox jobs are leased before they run",
    "job outcome": "a job's run is recorded as it ends (the worker loop's unit per job)",
    "before remote call": "no transaction stays open while Google or a receiver answers",
    "sign-in attempt": "the PKCE attempt is stored before the browser leaves for Google",
    "key last used": "a key's use counts even if the request fails; no request holds its row",
}
_AFTER_COMMIT = "kaleno.after_commit"
_WROTE = "kaleno.wrote"  # set when the session's transaction has flushed a change
_WRITE_LOCK = "kaleno.write_lock"  # set when begin_write started the transaction
# How long a step committed apart waits for a row the unit in progress may hold.
APART_LOCK_TIMEOUT = "3s"


def init_unit_of_work(app: Flask) -> None:
    """Commit each successful request's unit of work once, after the route answered."""

    @app.after_request
    def _end_unit(response: Response) -> Response:
        if response.status_code < 400:
            _commit()
        else:
            db.session.rollback()
        return response


def commit_step(step: str) -> None:
    """The one explicitly named nested unit: commit now, before the entry point's unit ends.

    Only for the steps in ``OWN_STEPS`` (others wait on them, or they must outlive a
    failure of the rest); everything else is committed by its entry point.
    """
    if step not in OWN_STEPS:
        raise ValueError(f"{step!r} is not a step allowed to commit on its own")
    _commit()


@contextmanager
def unit() -> Iterator[None]:
    """A CLI command's unit of work: committed if the block ends normally, else rolled back."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    _commit()


def commit_apart(step: str, row: Any, **values: Any) -> None:
    """Write ``values`` on ``row`` as a unit of their own, apart from the unit in progress.

    The unit in progress is neither committed nor rolled back by this: an erasure that
    refreshes a token on its way stays one unit. The values are committed at once on a
    connection of their own (and ``row`` shows them). When the unit in progress has
    written or holds the write lock (SQLite has one writer; on PostgreSQL it may hold the
    row), they join that unit instead and are committed with it.
    """
    if step not in OWN_STEPS:
        raise ValueError(f"{step!r} is not a step allowed to commit on its own")
    model = type(row)
    if not _holds_changes():
        try:
            with db.engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{APART_LOCK_TIMEOUT}'")
                connection.execute(update(model).where(model.id == row.id).values(**values))
        except OperationalError:
            pass  # the row is held by the unit in progress: join it below
        else:
            for name, value in values.items():
                set_committed_value(row, name, value)
            if not is_postgresql():
                # End the read this session began before that commit: SQLite would refuse
                # a later write from so old a snapshot.
                db.session.rollback()
            return
    for name, value in values.items():
        setattr(row, name, value)


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the current unit commits; forget it if the unit rolls back."""
    db.session.info.setdefault(_AFTER_COMMIT, []).append(callback)


def _commit() -> None:
    db.session.commit()
    callbacks: list[Callable[[], None]] = db.session.info.pop(_AFTER_COMMIT, [])
    for callback in callbacks:
        callback()


@event.listens_for(Session, "after_rollback")
def _forget_after_commit(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)
    session.info.pop(_WROTE, None)
    session.info.pop(_WRITE_LOCK, None)


@event.listens_for(Session, "after_flush")
def _note_write(session: Session, _context: object) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
def _forget_write(session: Session) -> None:
    session.info.pop(_WROTE, None)
    session.info.pop(_WRITE_LOCK, None)


def _holds_changes() -> bool:
    """Whether the session's transaction has written (or is about to write) anything."""
    session = db.session
    return bool(
        session.info.get(_WROTE)
        or session.info.get(_WRITE_LOCK)
        or session.info.get(_AFTER_COMMIT)
        or session.new
        or session.dirty
        or session.deleted
    )


def begin_write() -> None:
    """End whatever the session holds and start a transaction that writes.

    On SQLite the transaction begins with ``BEGIN IMMEDIATE``: the write lock is held
    from the first read, so a check and the write it guards are one serialized step. On
    PostgreSQL it is an ordinary transaction; row locks and constraints do that work.
    A transaction that only read ends with a rollback: nothing to commit.
    """
    if _holds_changes():
        commit_step("write lock")
    else:
        db.session.rollback()
    db.session.connection(execution_options={SQLITE_BEGIN: "immediate"})
    db.session.info[_WRITE_LOCK] = True


def is_postgresql() -> bool:
    """Whether the session's database is PostgreSQL."""
    return db.session.get_bind().dialect.name == "postgresql"
