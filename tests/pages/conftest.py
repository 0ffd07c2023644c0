"""The customer pages' fixtures: the connected host of the booking tests, with a name."""

from __future__ import annotations

import pytest
from flask import Flask

from kaleno.extensions import db
from kaleno.models import User
from tests.bookings.conftest import Page, page  # noqa: F401 - the booking tests' host

__all__ = ["Page", "named"]


@pytest.fixture
def named(app: Flask, page: Page) -> Page:  # noqa: F811 - builds on the imported fixture
    """The booking tests' host, called "Hana Host", in New York."""
    with app.app_context():
        host = db.session.get(User, page.host_id)
        assert host is not None
        host.name, host.timezone = "Hana Host", "America/New_York"
        db.session.commit()
    return page
