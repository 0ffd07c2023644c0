"""Every error answers problem+json; a 500 rolls back and logs a request id, never the body."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pydantic import BaseModel, Field

from kaleno import create_app
from kaleno.api.spec import operation
from kaleno.extensions import db
from kaleno.models import User
from tests.conftest import dispose, make_config


class Echo(BaseModel):
    name: str = Field(min_length=1, max_length=5)
    count: int


@pytest.fixture
def probe_app(app: Flask, database_url: str) -> Iterator[Flask]:
    """A second app on the same database, with routes that exist only to provoke errors."""
    probe = create_app(make_config(database_url))

    @probe.post("/_probe/boom")
    def probe_boom() -> str:
        db.session.add(User(google_sub="rolled-back-sub"))
        db.session.flush()
        raise RuntimeError("secret-canary-in-exception")

    @probe.post("/_probe/echo")
    @operation("Echo.", body=Echo)
    def probe_echo(body: Echo) -> dict[str, object]:
        return body.model_dump()

    yield probe
    dispose(probe)


@pytest.fixture
def probe_client(probe_app: Flask) -> FlaskClient:
    return probe_app.test_client()


def _assert_problem(response: object, status: int) -> dict[str, object]:
    assert response.status_code == status  # type: ignore[attr-defined]
    assert response.mimetype == "application/problem+json"  # type: ignore[attr-defined]
    body = response.get_json()  # type: ignore[attr-defined]
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    return body  # type: ignore[no-any-return]


def test_unknown_route_is_problem_json(client: FlaskClient) -> None:
    body = _assert_problem(client.get("/no/such/thing"), 404)
    assert body["title"] == "Not Found"


def test_wrong_method_is_problem_json_with_allow(client: FlaskClient) -> None:
    response = client.delete("/healthz")
    _assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_oversized_body_is_413(probe_app: Flask, probe_client: FlaskClient) -> None:
    big = "x" * (probe_app.config["MAX_CONTENT_LENGTH"] + 1)
    _assert_problem(
        probe_client.post("/_probe/echo", data=big, content_type="application/json"), 413
    )


def test_malformed_json_is_400(probe_app: Flask, probe_client: FlaskClient) -> None:
    body = _assert_problem(
        probe_client.post("/_probe/echo", data="{not json", content_type="application/json"), 400
    )
    assert body["type"] == "urn:kaleno:problem:malformed-json"


def test_validation_errors_name_each_field_without_echoing_input(
    probe_app: Flask, probe_client: FlaskClient
) -> None:
    body = _assert_problem(probe_client.post("/_probe/echo", json={"name": "toolong-canary"}), 400)
    fields = {e["field"] for e in body["errors"]}  # type: ignore[union-attr]
    assert fields == {"name", "count"}
    assert "toolong-canary" not in json.dumps(body)


def test_valid_body_passes_through(probe_app: Flask, probe_client: FlaskClient) -> None:
    response = probe_client.post("/_probe/echo", json={"name": "ok", "count": 2})
    assert response.status_code == 200
    assert response.get_json() == {"name": "ok", "count": 2}


def test_unexpected_error_rolls_back_and_logs_request_id_not_body(
    probe_app: Flask, probe_client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    response = probe_client.post(
        "/_probe/boom", json={"card": "body-canary-4111"}, headers={"X-Request-Id": "req-12345678"}
    )
    body = _assert_problem(response, 500)
    assert "secret-canary" not in json.dumps(body)
    assert response.headers["X-Request-Id"] == "req-12345678"
    records = [r for r in caplog.records if r.getMessage() == "unhandled error"]
    assert len(records) == 1
    assert getattr(records[0], "request_id", None) == "req-12345678"
    assert all("body-canary-4111" not in r.getMessage() for r in caplog.records)
    with probe_app.app_context():
        assert db.session.query(User).filter_by(google_sub="rolled-back-sub").count() == 0
