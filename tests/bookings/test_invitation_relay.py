"""Booking cannot be used as an invitation relay: bounded per customer address and per
host, names plain and short, no links made from customer text, notes only in the
event's description."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.bookings.conftest import Page, next_slot

LINKY_NOTES = (
    "see https://evil.example/x, <a href='https://evil.example'>here</a>, www.evil.example"
)


@pytest.fixture
def low_budgets(app: Flask) -> Iterator[None]:
    saved = {
        k: app.config[k] for k in ("BOOKINGS_PER_CUSTOMER_PER_DAY", "BOOKINGS_PER_HOST_PER_DAY")
    }
    app.config.update(BOOKINGS_PER_CUSTOMER_PER_DAY=2, BOOKINGS_PER_HOST_PER_DAY=4)
    yield
    app.config.update(saved)


def test_new_bookings_are_bounded_per_customer_address_and_per_host(
    page: Page, low_budgets: None
) -> None:
    invites = page.calls("calendar.events.insert")
    for hour, email in ((9, "victim@example.org"), (10, "Victim@Example.org")):
        assert page.book(next_slot(hour=hour), email=email).status_code == 201
    refused = page.book(next_slot(hour=11), email="VICTIM@example.org")
    assert refused.status_code == 429
    assert refused.json()["type"] == "urn:kaleno:problem:too-many-bookings"
    assert "Retry-After" in refused.headers
    assert page.calls("calendar.events.insert") == invites + 2
    for hour, email in ((12, "a@example.org"), (13, "b@example.org")):
        assert page.book(next_slot(hour=hour), email=email).status_code == 201
    over = page.book(next_slot(hour=14), email="c@example.org")
    assert over.status_code == 429
    assert page.calls("calendar.events.insert") == invites + 4


@pytest.mark.parametrize(
    "name",
    [
        "Win a prize at evil.example",
        "http://evil.example",
        "Bob <b>bold</b>",
        "mail me: bob@evil.example",
        "x" * 101,
    ],
)
def test_names_must_be_plain_and_short(page: Page, name: str) -> None:
    response = page.book(next_slot(), name=name)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == "name"


def test_plain_names_from_anywhere_are_fine(page: Page) -> None:
    for hour, name in (
        (9, "José María O'Neil-Smith"),
        (10, "Nguyễn Thị Minh Khai"),
        (11, "J. R. Tolkien"),
    ):
        assert page.book(next_slot(hour=hour), name=name).status_code == 201


def test_customer_text_makes_no_links_and_notes_stay_in_the_description(page: Page) -> None:
    created = page.book(next_slot(), notes=LINKY_NOTES)
    assert created.status_code == 201, created.text
    [event] = page.live_events()
    description = event["description"]
    for link in ("https://", "<a", "www.evil.example", "evil.example/"):
        assert link not in description, link
    assert "evil[.]example" in description  # still readable for the host
    assert "evil" not in event["summary"]
    assert "evil" not in event.get("location", "")
    customer = [a for a in event["attendees"] if a["email"] == "ada@example.org"]
    assert [a.get("displayName") for a in customer] == ["Ada Customer"]
