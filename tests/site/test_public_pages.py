"""The public site: home, privacy policy, cookie list, and the optional-cookie banner."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

import config
from kaleno import create_app
from kaleno.privacy.consents import POLICY_VERSION
from kaleno.site.cookies import CHOICE_COOKIE, REQUEST_GRANT_COOKIE, parse_optional_cookies
from tests.conftest import dispose, make_config

ROOT = Path(__file__).resolve().parents[2]


def test_home_says_what_kaleno_does_and_links_sign_in_privacy_and_cookies(
    client: FlaskClient,
) -> None:
    response = client.get("/", headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "Let people book time with you" in html
    assert 'href="/auth/google/login?next=/console"' in html
    assert 'href="/privacy"' in html and 'href="/cookies"' in html
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]


def test_home_speaks_indonesian(client: FlaskClient) -> None:
    html = client.get("/", headers={"Accept-Language": "id"}).get_data(as_text=True)
    assert '<html lang="id">' in html
    assert "Masuk dengan Google" in html


def test_privacy_policy_shows_version_date_and_limited_use(client: FlaskClient) -> None:
    html = client.get("/privacy", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"Version {POLICY_VERSION}" in html
    assert "1 November 2026" in html
    assert "Google API Services User Data Policy, including the Limited Use requirements" in html
    assert 'id="disconnect"' in html and "Disconnect" in html
    assert 'href="/privacy/requests"' in html


def test_privacy_md_states_the_version_the_pages_show() -> None:
    text = (ROOT / "PRIVACY.md").read_text()
    found = re.search(r"Policy version: `([^`]+)`", text)
    assert found and found.group(1) == POLICY_VERSION


def test_cookie_page_lists_every_registered_cookie(app: Flask, client: FlaskClient) -> None:
    html = client.get("/cookies", headers={"Accept-Language": "en"}).get_data(as_text=True)
    listed = re.findall(r'data-cookie="([^"]+)"', html)
    assert listed == ["kaleno_session", "kaleno_lang", "kaleno_manage", REQUEST_GRANT_COOKIE]
    assert "31 days" in html and "365 days" in html and "30 minutes" in html
    assert "cookie-banner" not in html  # only essential cookies: nothing to ask


@pytest.fixture
def optional_app(database_url: str, migrated_app: Flask) -> Iterator[Flask]:
    """The app with an operator-configured dummy optional cookie category."""
    settings = make_config(database_url, BASE_URL=migrated_app.config["BASE_URL"])
    settings.OPTIONAL_COOKIES = parse_optional_cookies("demo:kaleno_demo:30:Counts visits (a test)")
    app = create_app(settings)
    yield app
    dispose(app)


def test_an_unusable_optional_cookie_setting_stops_the_start() -> None:
    with pytest.raises(config.ConfigError, match="KALENO_OPTIONAL_COOKIES"):
        config.TestConfig({"KALENO_OPTIONAL_COOKIES": "demo:kaleno_demo:forever:x"})


def test_optional_cookies_wait_for_consent_behind_an_equal_choice(optional_app: Flask) -> None:
    client = optional_app.test_client()
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'class="cookie-banner"' in html
    buttons = re.findall(r'<button type="submit" name="choice" value="(\w+)">', html)
    assert buttons == ["accept", "reject"]  # same element, same style: equal choices
    assert client.get_cookie("kaleno_demo") is None
    listed = re.findall(r'data-cookie="([^"]+)"', client.get("/cookies").get_data(as_text=True))
    assert "kaleno_demo" in listed and CHOICE_COOKIE in listed

    rejected = client.post("/cookies/choice", data={"choice": "reject", "next": "/cookies"})
    assert rejected.status_code == 303 and rejected.headers["Location"] == "/cookies"
    assert client.get_cookie("kaleno_demo") is None
    assert client.get_cookie(CHOICE_COOKIE).value == "reject"  # type: ignore[union-attr]
    assert "cookie-banner" not in client.get("/").get_data(as_text=True)

    accepted = optional_app.test_client()
    accepted.post("/cookies/choice", data={"choice": "accept", "next": "https://evil.example/"})
    assert accepted.get_cookie("kaleno_demo").value == "1"  # type: ignore[union-attr]


def test_a_choice_from_another_site_is_refused(optional_app: Flask) -> None:
    client = optional_app.test_client()
    response = client.post(
        "/cookies/choice", data={"choice": "accept"}, headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    assert client.get_cookie("kaleno_demo") is None
