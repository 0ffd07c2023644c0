"""A real SMTP server for the app to deliver to, and the booking page fixture."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.bookings.conftest import page  # noqa: F401 - the fixture
from tests.notices.smtp_server import SMTPServer


@pytest.fixture
def smtp(app: Flask) -> Iterator[SMTPServer]:
    """An SMTP server in this process; the app delivers to it for the test."""
    server = SMTPServer()
    server.start()
    previous = app.config["MAIL_URL"]
    app.config["MAIL_URL"] = server.url
    try:
        yield server
    finally:
        app.config["MAIL_URL"] = previous
        server.stop()
