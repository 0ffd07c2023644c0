"""Units of work, opened and committed at the entry points, never in services.

A request is one unit: whatever its services changed is committed once when the route
answers 1xx-3xx, and rolled back otherwise (the error handler rolls back too). The CLI
commands and the outbox worker loop commit their own units. The few steps that must be
durable before the request goes on (an idempotency claim other requests wait on, a
booking committed before its inline Google sync) still commit where they are.
"""

from __future__ import annotations

from flask import Flask, Response

from kaleno.extensions import SQLITE_BEGIN, db


def init_unit_of_work(app: Flask) -> None:
    """Commit each successful request's unit of work once, after the route answered."""

    @app.after_request
    def _end_unit(response: Response) -> Response:
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response


# The steps allowed to commit before their entry point's unit ends, and why each must.
OWN_STEPS = {
    "idempotency key": "a claim (or its answer) other requests with the same key wait on",
    "refreshed token": "a token Google issued is kept even if the request then fails",
    "dead grant": "a grant Google called revoked is marked so, whatever the request does",
    "write lock": "SQLite: end what the session holds, then BEGIN IMMEDIATE",
    "booking": "the booking and its outbox job are durable before the inline Google sync",
    "job lease": "claimed outbox jobs are leased before they run",
    "sign-in attempt": "the PKCE attempt is stored before the browser leaves for Google",
}


def commit_step(step: str) -> None:
    """The one explicitly named nested unit: commit now, before the entry point's unit ends.

    Only for the steps in ``OWN_STEPS`` (others wait on them, or they must outlive a
    failure of the rest); everything else is committed by its entry point.
    """
    if step not in OWN_STEPS:
        raise ValueError(f"{step!r} is not a step allowed to commit on its own")
    db.session.commit()


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
