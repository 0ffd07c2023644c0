"""The privacy routes answer exactly their declared models, with RFC 3339 timestamps.

Issue 12, defect 5: the answers were serialized by hand (``2026-11-22 10:00:00+00:00``)
and declared as a free-form ``Receipt``, so the contract could not see it. Each answer is
validated here against the schema the OpenAPI document declares for its status, with
unknown fields refused and every ``date-time`` checked as RFC 3339.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import jsonschema
import requests
from flask import Flask

from kaleno.models import utcnow
from kaleno.privacy.consents import POLICY_VERSION
from tests.auth.browser import Browser
from tests.bookings.conftest import HOST_EMAIL, Page, open_page
from tests.privacy import factories

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
CHECKER = jsonschema.FormatChecker(formats=())


@CHECKER.checks("date-time")
def _rfc3339(value: object) -> bool:
    return not isinstance(value, str) or bool(RFC3339.match(value))


def _check(page: Page, response: requests.Response, path: str, method: str) -> dict[str, Any]:
    """Validate the answer against the declared schema; return the body."""
    document = page.browser.http.get(page.base + "/openapi.json", timeout=10).json()
    declared = document["paths"][path][method]["responses"][str(response.status_code)]
    schema = declared["content"]["application/json"]["schema"]
    resolver = {"components": document["components"], **schema}
    body: dict[str, Any] = response.json()
    jsonschema.Draft202012Validator(resolver, format_checker=CHECKER).validate(body)
    return body


def _strict(document: dict[str, Any], name: str) -> bool:
    return document["components"]["schemas"][name].get("additionalProperties") is False


def test_privacy_answers_are_their_declared_strict_models(app: Flask, browser: Browser) -> None:
    host_id, event_type_id = open_page(app, browser)
    page = Page(app, browser, browser.google, host_id, event_type_id)
    document = browser.http.get(page.base + "/openapi.json", timeout=10).json()
    for name in ("DisconnectReceipt", "ErasureReceipt", "ErasureAccepted", "RestrictionState"):
        assert _strict(document, name), name

    restricted = page.host("POST", "/api/me/restriction")
    body = _check(page, restricted, "/api/me/restriction", "post")
    assert RFC3339.match(body["restricted_at"]), body["restricted_at"]
    _check(page, page.host("DELETE", "/api/me/restriction"), "/api/me/restriction", "delete")
    consents = page.host(
        "PUT",
        "/api/me/consents",
        json={"policy_version": POLICY_VERSION, "purposes": {"analytics": True}},
    )
    assert consents.status_code == 200, consents.text
    decided = _check(page, consents, "/api/me/consents", "put")["history"][0]["decided_at"]
    assert RFC3339.match(decided), decided
    _check(page, page.host("GET", "/api/me/consents"), "/api/me/consents", "get")

    factories.booking(app, host_id, event_type_id, utcnow() + timedelta(days=3))
    accepted = page.host("DELETE", "/api/me")
    assert accepted.status_code == 202
    assert RFC3339.match(_check(page, accepted, "/api/me", "delete")["due_at"])

    disconnected = page.host("DELETE", "/api/calendar")
    receipt = _check(page, disconnected, "/api/calendar", "delete")
    assert RFC3339.match(receipt["disconnected_at"]), receipt["disconnected_at"]

    erased = page.host("DELETE", "/api/me?cancel_future_bookings=true")
    assert erased.status_code == 200, erased.text
    receipt = _check(page, erased, "/api/me", "delete")
    assert RFC3339.match(receipt["erased_at"]) and RFC3339.match(
        receipt["google"]["disconnected_at"]
    )


def test_guest_request_answer_is_declared(app: Flask, browser: Browser) -> None:
    host_id, event_type_id = open_page(app, browser)
    page = Page(app, browser, browser.google, host_id, event_type_id)
    response = requests.post(
        page.base + "/api/privacy/requests",
        json={"email": HOST_EMAIL, "kind": "export"},
        timeout=10,
    )
    assert response.status_code == 202, response.text
    assert set(_check(page, response, "/api/privacy/requests", "post")) == {
        "id",
        "status",
        "detail",
    }
