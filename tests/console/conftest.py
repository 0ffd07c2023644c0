"""Console fixtures: the booking tests' connected host, and form helpers over real HTTP."""

from __future__ import annotations

import re

import requests

from tests.auth.browser import Browser
from tests.bookings.conftest import Page, page  # noqa: F401 - the booking tests' host

__all__ = ["Page", "csrf_of", "submit"]


def csrf_of(html: str) -> str:
    """The CSRF token a console page puts in its forms."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has a form"
    return found.group(1)


def submit(browser: Browser, page_path: str, action: str, **fields: str) -> requests.Response:
    """Open ``page_path`` like a person, then post its form to ``action`` with ``fields``."""
    shown = browser.get(page_path)
    assert shown.status_code == 200, shown.text
    return browser.post(action, data={"csrf_token": csrf_of(shown.text), **fields})
