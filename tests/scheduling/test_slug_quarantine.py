"""A slug a host gives up is quarantined: nobody else inherits the old link's customers."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import update

from kaleno.extensions import db
from kaleno.models import ReleasedSlug, utcnow
from tests.auth.browser import Browser
from tests.conftest import every_row
from tests.scheduling.helpers import sign_in_host

OLD = "jane-doe-studio"


def _other(app: Flask, browser: Browser) -> Browser:
    return Browser(app, browser.google)


def test_a_renamed_slug_is_held_for_its_owner(app: Flask, browser: Browser) -> None:
    first = sign_in_host(browser, "first@example.com")
    assert first.call("PATCH", "/api/me", {"slug": OLD}).status_code == 200
    assert first.call("PATCH", "/api/me", {"slug": "jane-new"}).status_code == 200
    second = sign_in_host(_other(app, browser), "second@example.com")
    taken = second.call("PATCH", "/api/me", {"slug": OLD})
    assert taken.status_code == 409
    assert taken.json()["type"] == "urn:kaleno:problem:slug-taken"
    # Its owner may take it back at once.
    assert first.call("PATCH", "/api/me", {"slug": OLD}).status_code == 200


def test_an_erased_host_s_slug_is_held_then_free(app: Flask, browser: Browser) -> None:
    first = sign_in_host(browser, "first@example.com")
    assert first.call("PATCH", "/api/me", {"slug": OLD}).status_code == 200
    assert first.call("DELETE", "/api/me").status_code == 200
    assert OLD not in every_row(app)  # only an HMAC of it is held
    second = sign_in_host(_other(app, browser), "second@example.com")
    assert second.call("PATCH", "/api/me", {"slug": OLD}).status_code == 409
    with app.app_context():
        db.session.execute(update(ReleasedSlug).values(held_until=utcnow()))
        db.session.commit()
    assert second.call("PATCH", "/api/me", {"slug": OLD}).status_code == 200
