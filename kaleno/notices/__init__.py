"""Notices: every email to a customer or a host, queued in the outbox with its cause.

``init_notices`` registers the ``mail`` job kind with the outbox, listens to booking
changes, and (development only) serves the mail viewer at ``/_dev/mail``.
"""

from __future__ import annotations

from flask import Flask

from kaleno import outbox
from kaleno.bookings import hooks
from kaleno.notices.lifecycle import on_booking_change
from kaleno.notices.queue import MAIL_KIND
from kaleno.notices.send import run_mail_job

# SMTP may be down for hours: with the backoff capped at 5 minutes this is about a day.
MAIL_MAX_ATTEMPTS = 300


def init_notices(app: Flask) -> None:
    """Wire mail into the outbox and the booking lifecycle."""
    outbox.register_kind(MAIL_KIND, run_mail_job, max_attempts=MAIL_MAX_ATTEMPTS)
    hooks.listen(on_booking_change)
    if app.config.get("KALENO_ENV") == "development":
        from kaleno.notices.dev_viewer import bp

        app.register_blueprint(bp)
