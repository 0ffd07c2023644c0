"""Liveness, readiness, the OpenAPI document and its rendering."""

from __future__ import annotations

import json
import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kaleno import create_app
from kaleno.logs import JSONFormatter, RequestIdFilter
from tests.conftest import make_config


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert len(response.headers["X-Request-Id"]) >= 8


def test_readyz_when_database_answers(client: FlaskClient) -> None:
    assert client.get("/readyz").get_json() == {"status": "ok"}


def test_readyz_is_503_when_database_is_gone(tmp_path: object) -> None:
    broken = create_app(make_config("postgresql+psycopg://nobody@127.0.0.1:1/none"))
    response = broken.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == "The database does not answer."


def test_openapi_document_lists_routes_with_problem_responses(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    assert "/healthz" in spec["paths"]
    readyz = spec["paths"]["/readyz"]["get"]
    assert "503" in readyz["responses"]
    problem_ref = readyz["responses"]["503"]["content"]["application/problem+json"]["schema"]
    assert problem_ref == {"$ref": "#/components/schemas/Problem"}
    assert "Problem" in spec["components"]["schemas"]


def test_docs_render_the_document(client: FlaskClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert b"/readyz" in response.data


def test_log_lines_are_json_with_request_id(app: Flask) -> None:
    record = logging.LogRecord("kaleno.x", logging.INFO, __file__, 1, "hello %s", ("w",), None)
    with app.test_request_context(headers={"X-Request-Id": "abcdefgh1234"}):
        app.preprocess_request()
        RequestIdFilter().filter(record)
    line = JSONFormatter().format(record)
    entry = json.loads(line)
    assert entry["message"] == "hello w"
    assert entry["request_id"] == "abcdefgh1234"


@pytest.mark.parametrize(
    "secret",
    [
        "ya29.a0AfB_canary",
        "1//0gCanaryRefresh",
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
        "Bearer canary-opaque-token",
        "refresh_token=canary-form-token",
    ],
)
def test_log_formatter_redacts_token_shaped_values(secret: str) -> None:
    record = logging.LogRecord("kaleno.x", logging.INFO, __file__, 1, "got %s", (secret,), None)
    line = JSONFormatter().format(record)
    assert "canary" not in line.lower().replace("[redacted]", "")
    assert "[redacted]" in line


def test_root_is_the_home_page_linking_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert 'href="/auth/google/login?next=/console"' in response.get_data(as_text=True)
    assert client.get("/api/me").status_code == 401
