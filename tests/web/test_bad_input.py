"""Bad input is a 4xx problem, never a 500: bounded times, no NUL, limits that fit columns."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from kaleno.extensions import db
from kaleno.models import OAuthAttempt
from tests.auth.browser import Browser
from tests.bookings.conftest import Page, next_slot, page  # noqa: F401 - the fixture

EXTREMES = ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00Z")


def _problem(response: object, status: int = 400) -> dict[str, object]:
    code = getattr(response, "status_code", None)
    assert code == status, getattr(response, "text", "")
    headers = getattr(response, "headers", {})
    assert headers["Content-Type"].startswith("application/problem+json")
    body = response.json() if callable(getattr(response, "json", None)) else None  # type: ignore[attr-defined]
    assert isinstance(body, dict)
    return body


def _raw_book(page: Page, **changes: str) -> requests.Response:  # noqa: F811
    body = {**page.body(next_slot()), **changes}
    return requests.post(
        page.url(), json=body, headers={"Idempotency-Key": uuid.uuid4().hex}, timeout=30
    )


@pytest.mark.parametrize("start", EXTREMES)
def test_booking_and_reschedule_at_extreme_times_are_400(page: Page, start: str) -> None:  # noqa: F811
    response = _raw_book(page, start=start)
    assert _problem(response)["errors"][0]["field"] == "start"  # type: ignore[index]
    booked = page.book(next_slot())
    assert booked.status_code == 201, booked.text
    moved = page.customer(
        "PATCH",
        f"/api/bookings/{booked.json()['id']}",
        booked.json()["manage_token"],
        json={"start": start},
    )
    _problem(moved)


@pytest.mark.parametrize("start", EXTREMES)
def test_listing_from_extreme_times_is_400(page: Page, start: str) -> None:  # noqa: F811
    _problem(page.host("GET", "/api/bookings", params={"from": start}))
    _problem(page.host("GET", "/api/bookings", params={"to": start}))


@pytest.mark.parametrize(
    "cursor_start", ["2026-01-01T00:00:00", "0001-01-01T00:00:00+01:00", "garbage"]
)
def test_a_naive_or_unbounded_cursor_is_400(page: Page, cursor_start: str) -> None:  # noqa: F811
    raw = json.dumps([cursor_start, str(uuid.uuid4())]).encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    body = _problem(page.host("GET", "/api/bookings", params={"cursor": cursor}))
    assert body["errors"][0]["field"] == "cursor"  # type: ignore[index]


def test_deeply_nested_json_is_400(client: FlaskClient) -> None:
    response = client.post(
        "/api/privacy/requests", data="[" * 30000, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_nul_in_json_text_is_400(page: Page) -> None:  # noqa: F811
    for changes in ({"name": "Ada\u0000"}, {"notes": "a\u0000b"}, {"email": "a\u0000@x.org"}):
        _problem(_raw_book(page, **changes))
    response = page.browser.http.post(
        f"{page.base}/api/privacy/requests",
        json={"email": "gina@example.com", "kind": "rectification", "name": "G\u0000"},
    )
    _problem(response)


@pytest.mark.parametrize(
    "path",
    [
        "/api/pages/ho%00st",
        "/api/pages/host/in%00tro/slots?from=2026-01-01&to=2026-01-02",
        "/api/pages/host?x=%00",
    ],
)
def test_nul_in_path_or_query_is_400(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_next_longer_than_its_column_falls_back_to_root(app: Flask, browser: Browser) -> None:
    response = browser.get("/auth/google/login?next=/" + "a" * 600)
    assert response.status_code == 302
    with app.app_context():
        [attempt] = db.session.query(OAuthAttempt).all()
        assert attempt.next_path == "/"


def test_rectification_phone_must_fit_the_booking_column(client: FlaskClient) -> None:
    phone = "+" + "1" * 40  # 41 characters; bookings.customer_phone holds 40
    response = client.post(
        "/api/privacy/requests",
        json={"email": "gina@example.com", "kind": "rectification", "phone": phone},
    )
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["field"] == "phone"


def test_request_limits_match_their_columns() -> None:
    """Every string a request model accepts fits the column it is stored in."""
    from kaleno.bookings.schemas import BookingRequest, CancelRequest
    from kaleno.models import Booking, DataRequest
    from kaleno.privacy.routes import GuestRequestIn

    def limit(model: type, name: str) -> int:
        schema = model.model_json_schema()["properties"][name]  # type: ignore[attr-defined]
        for option in (schema, *schema.get("anyOf", [])):
            if "maxLength" in option:
                return int(option["maxLength"])
        raise AssertionError(f"{model.__name__}.{name} has no maxLength")

    def column(model: type, name: str) -> int:
        return int(model.__table__.c[name].type.length)  # type: ignore[attr-defined]

    pairs = [
        (BookingRequest, "name", Booking, "customer_name"),
        (BookingRequest, "email", Booking, "customer_email"),
        (BookingRequest, "phone", Booking, "customer_phone"),
        (CancelRequest, "reason", Booking, "cancel_reason"),
        (GuestRequestIn, "email", DataRequest, "email"),
        (GuestRequestIn, "name", Booking, "customer_name"),
        (GuestRequestIn, "phone", Booking, "customer_phone"),
    ]
    for request_model, field_name, table_model, column_name in pairs:
        assert limit(request_model, field_name) <= column(table_model, column_name), field_name


def test_extreme_override_dates_do_not_break_slots(page: Page) -> None:  # noqa: F811
    rules = {
        "timezone": "UTC",
        "weekly": {"monday": [{"start": "09:00", "end": "17:00"}]},
        "overrides": [
            {"date": "0001-01-01", "intervals": []},
            {"date": "9999-12-31", "intervals": [{"start": "00:00", "end": "24:00"}]},
        ],
        "calendars": ["primary"],
    }
    saved = page.host("PUT", "/api/availability", json=rules)
    assert saved.status_code in (200, 400), saved.text
    slots = page.browser.http.get(
        f"{page.base}/api/pages/host/intro/slots",
        params={"from": "2999-12-30", "to": "2999-12-31", "tz": "Pacific/Kiritimati"},
        timeout=30,
    )
    assert slots.status_code < 500, slots.text
    edge = page.browser.http.get(
        f"{page.base}/api/pages/host/intro/slots",
        params={"from": "1970-01-01", "to": "1970-01-02", "tz": "Pacific/Pago_Pago"},
        timeout=30,
    )
    assert edge.status_code < 500, edge.text
