"""PATCH /api/me: rectify slug, time zone and name."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.auth.browser import Browser
from tests.scheduling.helpers import fields_of, sign_in_host


def test_patch_me_changes_profile_and_answers_like_get(browser: Browser) -> None:
    host = sign_in_host(browser)
    response = host.call(
        "PATCH", "/api/me", {"slug": "ada-lovelace", "timezone": "Asia/Jakarta", "name": "Ada"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["slug"], body["timezone"], body["name"]) == ("ada-lovelace", "Asia/Jakarta", "Ada")
    assert body == browser.me().json()


def test_patch_me_changes_only_what_is_sent(browser: Browser) -> None:
    host = sign_in_host(browser)
    host.call("PATCH", "/api/me", {"slug": "ada", "name": "Ada"})
    body = host.call("PATCH", "/api/me", {"timezone": "Europe/Berlin"}).json()
    assert (body["slug"], body["timezone"], body["name"]) == ("ada", "Europe/Berlin", "Ada")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"slug": "Ada"}, "slug"),
        ({"slug": "-ada"}, "slug"),
        ({"slug": "ada-"}, "slug"),
        ({"slug": "a" * 65}, "slug"),
        ({"slug": "ad a"}, "slug"),
        ({"slug": None}, "slug"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"timezone": "localtime"}, "timezone"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_patch_me_rejects_bad_fields(browser: Browser, body: dict[str, object], field: str) -> None:
    host = sign_in_host(browser)
    assert fields_of(host.call("PATCH", "/api/me", body)) == {field}


def test_slug_taken_by_another_host_is_409(app: Flask, browser: Browser) -> None:
    first = sign_in_host(browser)
    assert first.call("PATCH", "/api/me", {"slug": "ada"}).status_code == 200
    second = sign_in_host(Browser(app, browser.google), "other@example.com", "Other")
    response = second.call("PATCH", "/api/me", {"slug": "ada"})
    assert response.status_code == 409
    assert response.json()["type"] == "urn:kaleno:problem:slug-taken"
    # Keeping one's own slug is not a conflict.
    assert first.call("PATCH", "/api/me", {"slug": "ada"}).status_code == 200


def test_patch_me_needs_csrf_and_session(app: Flask, browser: Browser) -> None:
    host = sign_in_host(browser)
    response = host.call("PATCH", "/api/me", {"slug": "ada"}, csrf=False)
    assert response.status_code == 403
    assert browser.me().json()["slug"] is None
    anonymous = Browser(app, browser.google)
    assert anonymous.http.patch(anonymous.base + "/api/me", json={}).status_code == 401
