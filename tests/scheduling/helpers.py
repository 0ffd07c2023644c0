"""A signed-in host driving the API over real HTTP, with its CSRF token at hand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from tests.auth.browser import Browser


@dataclass
class Host:
    """A host's browser session: ``call`` sends the CSRF header unless told not to."""

    browser: Browser
    email: str
    csrf: str

    def call(
        self, method: str, path: str, body: Any = None, *, csrf: bool = True
    ) -> requests.Response:
        headers = {"X-CSRF-Token": self.csrf} if csrf else {}
        return self.browser.http.request(
            method,
            self.browser.base + path,
            json=body,
            headers=headers,
            allow_redirects=False,
            timeout=30,
        )


def sign_in_host(
    browser: Browser,
    email: str = "host@example.com",
    name: str = "Host Example",
    *,
    connect: bool = False,
    scopes: list[str] | None = None,
) -> Host:
    """Sign in (and optionally connect the calendar, granting ``scopes`` or all)."""
    browser.sign_in(email, name)
    if connect:
        assert browser.connect_calendar(email, scopes).status_code == 302
    return Host(browser, email, browser.csrf())


def fields_of(response: requests.Response) -> set[str]:
    """The field names a 400 problem points at."""
    assert response.status_code == 400, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    return {entry["field"] for entry in response.json()["errors"]}


EVENT_TYPE = {
    "slug": "intro",
    "title": "Intro call",
    "duration_minutes": 30,
    "location": {"kind": "google_meet"},
}
