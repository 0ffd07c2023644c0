"""The OpenAPI document lists every route with the errors it can answer."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from kaleno.web.limits import group_for

UNSAFE = {"post", "put", "patch", "delete"}


def _operations(client: FlaskClient) -> dict[tuple[str, str], dict[str, Any]]:
    document = client.get("/openapi.json").get_json()
    return {
        (path, method): op
        for path, methods in document["paths"].items()
        for method, op in methods.items()
    }


# Server-rendered HTML pages for people, not API operations.
PAGE_BLUEPRINTS = ("customer.", "site.", "console.", "privacy_centre.")


def test_every_route_is_documented(app: Flask, client: FlaskClient) -> None:
    operations = _operations(client)
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith(PAGE_BLUEPRINTS):
            continue
        path = rule.rule
        for converter in ("uuid:", "int:", "path:"):
            path = path.replace(f"<{converter}", "<")
        path = path.replace("<", "{").replace(">", "}")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in operations, f"{method} {rule.rule} is not documented"


def test_error_responses_follow_from_auth_body_and_limits(client: FlaskClient) -> None:
    for (path, method), op in _operations(client).items():
        statuses = set(op["responses"])
        assert "500" in statuses, (method, path)
        security = op.get("security", [])
        if {"session": []} in security:
            assert "401" in statuses, (method, path)
            if method in UNSAFE:
                assert "403" in statuses, (method, path)  # missing or wrong X-CSRF-Token
        if "requestBody" in op:
            assert {"400", "413"} <= statuses, (method, path)
        rule = path.replace("{", "<").replace("}", ">")
        if group_for(rule, method.upper()) is not None:
            assert "429" in statuses, (method, path)
        for status, response in op["responses"].items():
            if int(status) >= 400:
                assert list(response["content"]) == ["application/problem+json"], (method, path)


def test_guest_request_status_takes_only_its_token(client: FlaskClient) -> None:
    op = _operations(client)[("/api/privacy/requests/{request_id}", "get")]
    assert op["security"] == [{"manageToken": []}]


def test_booking_times_are_rfc3339_text_not_unix_seconds(app: Flask, client: FlaskClient) -> None:
    """Found by schemathesis: ``to=0.5`` was read as 1970-01-01T00:00:00.5Z."""
    response = client.get("/api/bookings?to=0.5")
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["field"] == "to"
    body = {"start": 1_900_000_000, "name": "Ada", "email": "ada@example.org"}
    response = client.post(
        "/api/pages/nobody/intro/bookings", json=body, headers={"Idempotency-Key": "k1"}
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.get_json()["errors"]] == ["start"]
