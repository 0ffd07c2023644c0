"""A guest's verified erasure reaches Google: the attendee leaves the host's event."""

from __future__ import annotations

import re

from kaleno.mail import sent_mail
from tests.bookings.conftest import Page, next_slot, page  # noqa: F401 - the fixture


def test_guest_erasure_removes_the_customer_from_the_google_event(page: Page) -> None:  # noqa: F811
    created = page.book(next_slot(days=4), email="erase.me@example.org", name="Erin Erasable")
    assert created.status_code == 201, created.text
    [event] = page.live_events()
    assert "erase.me@example.org" in [a["email"] for a in event["attendees"]]
    opened = page.browser.http.post(
        f"{page.base}/api/privacy/requests",
        json={"email": "erase.me@example.org", "kind": "erasure"},
    )
    assert opened.status_code == 202
    with page.app.app_context():
        body = [m for m in sent_mail() if m.to == "erase.me@example.org"][-1].body
    match = re.search(r"^([A-Za-z0-9_\-]{40,})$", body, re.MULTILINE)
    assert match
    confirmed = page.browser.http.post(
        f"{page.base}/api/privacy/requests/{opened.json()['id']}/confirm",
        json={"token": match.group(1)},
    )
    assert confirmed.json()["result"] == {"bookings_anonymized": 1}
    page.run_worker()
    [event] = page.live_events()
    assert "erase.me@example.org" not in [a["email"] for a in event.get("attendees", [])]
    assert "Erin" not in event["summary"] and "Erin" not in event.get("description", "")
