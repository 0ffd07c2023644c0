"""PATCH /api/me: reserved slugs are refused; embedding origins are listed and checked."""

from __future__ import annotations

import pytest

from tests.auth.browser import Browser
from tests.scheduling.helpers import fields_of, sign_in_host


@pytest.mark.parametrize(
    "slug", ["api", "auth", "console", "docs", "m", "privacy", "cookies", "static", "webhooks",
             "healthz", "readyz", "metrics", "openapi"],
)  # fmt: skip
def test_a_reserved_slug_is_refused_beside_the_field(browser: Browser, slug: str) -> None:
    host = sign_in_host(browser)
    response = host.call("PATCH", "/api/me", {"slug": slug})
    assert response.status_code == 400
    assert fields_of(response) == {"slug"}
    assert browser.me().json()["slug"] is None


def test_embed_origins_are_stored_sorted_and_deduplicated(browser: Browser) -> None:
    host = sign_in_host(browser)
    origins = ["https://www.example.com", "http://127.0.0.1:8080", "https://www.example.com"]
    response = host.call("PATCH", "/api/me", {"embed_origins": origins})
    assert response.status_code == 200, response.text
    assert response.json()["embed_origins"] == ["http://127.0.0.1:8080", "https://www.example.com"]
    assert host.call("PATCH", "/api/me", {"embed_origins": []}).json()["embed_origins"] == []


@pytest.mark.parametrize(
    "origins",
    [
        ["example.com"],
        ["https://example.com/path"],
        ["https://Example.com"],
        ["javascript:alert(1)"],
        ["*"],
        ["https://example.com; script-src *"],
        [f"https://e{i}.example.com" for i in range(11)],
        "https://example.com",
    ],
)
def test_bad_embed_origins_are_400(browser: Browser, origins: object) -> None:
    host = sign_in_host(browser)
    response = host.call("PATCH", "/api/me", {"embed_origins": origins})
    assert fields_of(response) == {"embed_origins"}
    assert browser.me().json()["embed_origins"] == []
