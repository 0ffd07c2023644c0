"""A guest's verified erasure reaches Google: the attendee leaves the host's event."""

from __future__ import annotations

from tests.bookings.conftest import Page, next_slot, page  # noqa: F401 - the fixture
from tests.notices.mailbox import memory_mail_to, token_in


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
    token = token_in(memory_mail_to(page.app, "erase.me@example.org")[-1])
    confirmed = page.browser.http.post(
        f"{page.base}/api/privacy/requests/{opened.json()['id']}/confirm",
        json={"token": token},
    )
    assert confirmed.json()["result"] == {"bookings_anonymized": 1}
    page.run_worker()
    [event] = page.live_events()
    assert "erase.me@example.org" not in [a["email"] for a in event.get("attendees", [])]
    assert "Erin" not in event["summary"] and "Erin" not in event.get("description", "")
