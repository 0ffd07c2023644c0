"""Read what a served page holds (form keys, free times, links) with plain HTTP."""

from __future__ import annotations

import re
from datetime import datetime

import requests

TIMEOUT = 30


def starts(html: str) -> list[str]:
    """The free times offered on the page (RFC 3339 values of the time radios)."""
    return re.findall(r'name="start" value="([^"]+)"', html)


def form_key(html: str) -> str:
    """The booking form's idempotency key."""
    found = re.search(r'name="key" value="([^"]+)"', html)
    assert found, "the page has a booking form"
    return found.group(1)


def manage_link(html: str) -> str:
    """The manage link shown on a confirmation page."""
    found = re.search(r'id="manage-link" href="([^"]+)"', html)
    assert found, "the confirmation shows the manage link"
    return found.group(1)


def day_with_times(base: str, tz: str, day: datetime) -> requests.Response:
    """The booking page on ``day`` in zone ``tz``."""
    return requests.get(
        f"{base}/host/intro", params={"tz": tz, "date": day.date().isoformat()}, timeout=TIMEOUT
    )


def book_form(base: str, html: str, start: str, **fields: str) -> dict[str, str]:
    """A complete booking form for ``start`` as the page would post it."""
    form = {"key": form_key(html), "tz": "Europe/Paris", "start": start}
    form.update({"name": "Ada Customer", "email": "ada@example.org"})
    form.update(fields)
    return form
