"""Security headers on JSON, HTML, callback and error responses; the body size limit."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.web.conftest import WebAppFactory, assert_problem

JSON_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"


def _assert_baseline(response: TestResponse) -> None:
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # not under the test config


def test_json_response_has_strict_csp_and_no_store_only_under_api(client: FlaskClient) -> None:
    health = client.get("/healthz")
    _assert_baseline(health)
    assert health.headers["Content-Security-Policy"] == JSON_CSP
    assert health.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "no-store" not in health.headers.get("Cache-Control", "")

    me = client.get("/api/me")  # 401 problem: errors carry the same headers
    assert_problem(me, 401)
    _assert_baseline(me)
    assert me.headers["Content-Security-Policy"] == JSON_CSP
    assert me.headers["Cache-Control"] == "no-store"


def test_docs_page_allows_only_its_own_inline_style_by_hash(client: FlaskClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    _assert_baseline(response)
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert csp.startswith("default-src 'none'; ")
    assert "script-src 'self';" in csp  # own-origin files only, never inline
    styles = re.findall(r"<style>(.*?)</style>", response.get_data(as_text=True), re.DOTALL)
    assert styles, "the docs page has an inline stylesheet"
    for css in styles:
        digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp


@pytest.mark.parametrize("path", ["/auth/google/callback", "/auth/google/calendar/callback"])
def test_oauth_callbacks_send_no_referrer_and_are_not_stored(
    client: FlaskClient, path: str
) -> None:
    response = client.get(f"{path}?code=canary-code&state=canary-state")
    assert response.status_code >= 300
    _assert_baseline(response)
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_only_the_callback_paths_drop_the_referrer(client: FlaskClient) -> None:
    response = client.get("/auth/google/callbackx")
    assert_problem(response, 404)
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    _assert_baseline(response)


def test_framework_errors_carry_the_headers(client: FlaskClient) -> None:
    for response in (client.get("/no/such/page"), client.delete("/healthz")):
        assert response.status_code in (404, 405)
        assert response.mimetype == "application/problem+json"
        _assert_baseline(response)
        assert response.headers["Content-Security-Policy"] == JSON_CSP


def test_hsts_only_under_the_production_config(production_app: Flask) -> None:
    response = production_app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    error = production_app.test_client().get("/nothing-here")
    assert "Strict-Transport-Security" in error.headers


def test_request_body_limit_answers_413_problem(web_app: WebAppFactory) -> None:
    app = web_app(MAX_CONTENT_LENGTH=1024)

    @app.post("/api/_probe/length")
    def probe_length() -> dict[str, int]:
        return {"length": len(request.get_data())}

    client = app.test_client()
    small = client.post("/api/_probe/length", data=b"x" * 1024)
    assert small.status_code == 200
    assert small.get_json() == {"length": 1024}
    big = client.post("/api/_probe/length", data=b"x" * 1025)
    body = assert_problem(big, 413)
    assert body["detail"] == "The request body is larger than this server accepts."
    _assert_baseline(big)
    assert big.headers["Cache-Control"] == "no-store"
