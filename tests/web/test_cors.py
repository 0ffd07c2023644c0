"""CORS only for configured origins, only on /api/*, with credentials."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

import config
from config import ConfigError
from tests.web.conftest import WebAppFactory

ALLOWED = "https://book.example.com"
OTHER = "https://evil.example.net"


@pytest.fixture
def cors_client(web_app: WebAppFactory) -> FlaskClient:
    app: Flask = web_app(CORS_ORIGINS=(ALLOWED, "https://admin.example.com"))
    return app.test_client()


def test_allowed_origin_gets_credentials_and_the_request_id(cors_client: FlaskClient) -> None:
    response = cors_client.get("/api/me", headers={"Origin": ALLOWED})
    assert response.status_code == 401  # CORS answers errors too, so the client can read them
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "X-Request-Id" in response.headers["Access-Control-Expose-Headers"]
    assert "Origin" in response.headers["Vary"]


def test_other_origins_get_no_cors_headers(cors_client: FlaskClient) -> None:
    response = cors_client.get("/api/me", headers={"Origin": OTHER})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_preflight_for_allowed_and_other_origin(cors_client: FlaskClient) -> None:
    asks = {
        "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "Content-Type, X-CSRF-Token",
    }
    allowed = cors_client.options("/api/me", headers={"Origin": ALLOWED, **asks})
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "PATCH" in allowed.headers["Access-Control-Allow-Methods"]
    allowed_headers = allowed.headers["Access-Control-Allow-Headers"].lower()
    assert "x-csrf-token" in allowed_headers and "content-type" in allowed_headers
    assert allowed.headers["Access-Control-Allow-Credentials"] == "true"
    other = cors_client.options("/api/me", headers={"Origin": OTHER, **asks})
    assert "Access-Control-Allow-Origin" not in other.headers
    assert "Access-Control-Allow-Methods" not in other.headers


def test_outside_api_there_is_no_cors(cors_client: FlaskClient) -> None:
    response = cors_client.get("/healthz", headers={"Origin": ALLOWED})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_no_origins_configured_means_no_cors(client: FlaskClient) -> None:
    response = client.get("/api/me", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = client.options(
        "/api/me", headers={"Origin": ALLOWED, "Access-Control-Request-Method": "PATCH"}
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_wildcard_origin_is_refused(web_app: WebAppFactory) -> None:
    with pytest.raises(ConfigError, match="KALENO_CORS_ORIGINS"):
        web_app(CORS_ORIGINS=("*",))


def test_origins_are_read_as_a_comma_separated_list() -> None:
    settings = config.TestConfig(
        {"KALENO_CORS_ORIGINS": " https://a.example , https://b.example/ ,"}
    )
    assert settings.CORS_ORIGINS == ("https://a.example", "https://b.example")
