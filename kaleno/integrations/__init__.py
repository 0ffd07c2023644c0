"""Integrations: signed webhooks delivered through the outbox, and scoped API keys.

``init_integrations`` registers the ``webhook.deliver`` job kind with the outbox and
listens to booking changes, so every announced change reaches the host's endpoints.
"""

from __future__ import annotations

from flask import Flask

from kaleno.bookings import hooks
from kaleno.integrations import delivery  # noqa: F401 - registers the webhook job kind
from kaleno.integrations.events import on_booking_change


def init_integrations(app: Flask) -> None:
    """Wire webhooks into the booking lifecycle (once, however often the app is built)."""
    hooks.listen(on_booking_change)
