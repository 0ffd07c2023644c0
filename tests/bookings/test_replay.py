"""An idempotent replay answers the booking, but never its manage token or customer details,
and the key's row holds nothing personal and nothing from Google."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from kaleno.extensions import db
from kaleno.models import IdempotencyKey
from tests.bookings.conftest import Page, next_slot

CANARIES = {"name": "Quentin Canary", "email": "quentin.canary@example.org", "phone": "+33 6 1234"}
NOTES = "canary-notes-7731"


def _key_rows(app: Flask) -> str:
    with app.app_context():
        return repr(db.session.execute(sa.select(IdempotencyKey.__table__)).all())


def test_a_replay_does_not_disclose_the_manage_token_or_customer_details(page: Page) -> None:
    start = next_slot()
    first = page.book(start, key="order-9", notes=NOTES, **CANARIES)
    assert first.status_code == 201, first.text
    assert first.json()["manage_token"]
    again = page.book(start, key="order-9", notes=NOTES, **CANARIES)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    replay = again.json()
    assert "manage_token" not in replay
    assert replay["id"] == first.json()["id"]
    assert replay["start"] == first.json()["start"]
    assert replay["customer"] == {
        "name": None,
        "email": None,
        "phone": None,
        "timezone": "Europe/Paris",
    }
    assert replay["notes"] is None
    for value in (*CANARIES.values(), NOTES, first.json()["manage_token"]):
        assert value not in again.text
        assert value not in _key_rows(page.app)


def test_the_replay_shape_is_documented(app: Flask) -> None:
    document = app.test_client().get("/openapi.json").get_json()
    created = document["components"]["schemas"]["CreatedBooking"]
    assert "manage_token" not in created.get("required", [])
    assert "manage_token" in created["properties"]


def test_after_disconnect_no_key_row_or_replay_carries_google_ids(page: Page) -> None:
    start = next_slot()
    first = page.book(start, key="order-g")
    assert first.status_code == 201, first.text
    google = first.json()["google"]
    assert google["event_id"] and google["html_link"] and google["meet_link"]
    gone = page.host("DELETE", "/api/calendar")
    assert gone.status_code == 200, gone.text
    again = page.book(start, key="order-g")
    assert again.status_code == 201
    replayed = again.json()["google"]
    assert (replayed["event_id"], replayed["html_link"], replayed["meet_link"]) == (None,) * 3
    rows = _key_rows(page.app)
    for value in (google["event_id"], google["html_link"], google["meet_link"]):
        assert value not in rows
        assert value not in again.text
