"""Pages load their own versioned CSS and JS, under a CSP without inline script."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask, render_template_string

from kaleno import create_app
from tests.conftest import dispose, make_config


@pytest.fixture
def page_app(database_url: str) -> Iterator[Flask]:
    """An app with one extra page that extends ``base.html``."""
    app = create_app(make_config(database_url))
    app.add_url_rule(
        "/_page", "assets_page", lambda: render_template_string('{% extends "base.html" %}')
    )
    yield app
    dispose(app)


def test_base_page_uses_versioned_own_assets_and_a_strict_csp(page_app: Flask) -> None:
    client = page_app.test_client()
    response = client.get("/_page")
    html = response.get_data(as_text=True)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp
    assert "unsafe" not in csp and "frame-ancestors 'none'" in csp
    assert "<script>" not in html and "<style>" not in html and " style=" not in html
    urls = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert {url.split("?")[0] for url in urls} == {
        "/static/favicon.svg",
        "/static/pages.css",
        "/static/pages.js",
    }
    for url in urls:
        assert re.search(r"\?v=[0-9a-f]{12}$", url)
        with client.get(url) as asset:
            assert asset.status_code == 200
            assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html), "no other origin"


def test_unversioned_static_urls_are_not_cached_for_a_year(page_app: Flask) -> None:
    with page_app.test_client().get("/static/pages.css") as response:
        assert response.status_code == 200
        assert "immutable" not in response.headers.get("Cache-Control", "")
