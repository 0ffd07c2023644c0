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
``OWN_STEPS`` and commit through ``commit_step``. Work that must follow a commit and
cannot be undone (wiping freed database pages, say) is registered with ``after_commit``
and runs only once the unit it belongs to committed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, Response
from sqlalchemy import event
from sqlalchemy.orm import Session

from kaleno.extensions import SQLITE_BEGIN, db

# The steps allowed to commit before their entry point's unit ends, and why each must.
OWN_STEPS = {
    "idempotency key": "a claim (or its answer) other requests with the same key wait on",
    "refreshed token": "a token Google issued is kept even if the request then fails",
    "dead grant": "a grant Google called revoked is marked so, whatever the request does",
    "write lock": "SQLite: end what the session holds, then BEGIN IMMEDIATE",
    "booking": "the booking and its outbox job are durable before the inline Google sync",
    "job lease": "claimed outbox jobs are leased before they run",
    "job outcome": "a job's run is recorded as it ends (the worker loop's unit per job)",
    "before remote call": "no transaction stays open while Google or a receiver answers",
    "sign-in attempt": "the PKCE attempt is stored before the browser leaves for Google",
    "key last used": "a key's use counts even if the request fails; no request holds its row",
}
_AFTER_COMMIT = "kaleno.after_commit"


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
