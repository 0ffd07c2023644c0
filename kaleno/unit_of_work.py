"""Units of work, opened and committed at the entry points, never in services.

A request is one unit: whatever its services changed is committed once when the route
answers 1xx-3xx, and rolled back otherwise (the error handler rolls back too). The CLI
commands and the outbox worker loop commit their own units. The few steps that must be
durable before the request goes on (an idempotency claim other requests wait on, a
booking committed before its inline Google sync) still commit where they are.
"""

from __future__ import annotations

from flask import Flask, Response

from kaleno.extensions import db


def init_unit_of_work(app: Flask) -> None:
    """Commit each successful request's unit of work once, after the route answered."""

    @app.after_request
    def _end_unit(response: Response) -> Response:
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response
