"""API keys and webhooks from the console: made with a form, shown once, revoked after asking."""

from __future__ import annotations

import html
import re

import requests
from flask import Flask

from kaleno.extensions import db
from kaleno.models import ApiKey, User, WebhookEndpoint
from tests.bookings.conftest import next_slot
from tests.conftest import every_row
from tests.console.conftest import Page, csrf_of, submit
from tests.integrations.conftest import Receiver, receiver  # noqa: F401 - fixture
from tests.integrations.helpers import with_key

EN = {"Accept-Language": "en"}


def _shown_once(text: str) -> str:
    found = re.search(r'id="once-value" class="copy-link" value="([^"]+)"', text)
    assert found, "the new value is on the page"
    return html.unescape(found.group(1))


def test_a_key_made_in_the_console_works_is_shown_once_and_can_be_revoked(
    app: Flask, page: Page
) -> None:
    made = submit(
        page.browser,
        "/console/integrations",
        "/console/integrations/keys",
        name="CRM",
        scopes="bookings:read",
    )
    assert made.status_code == 201, made.text
    key = _shown_once(made.text)
    assert made.headers["Cache-Control"] == "no-store"
    assert with_key(page, key, "GET", "/api/bookings").status_code == 200
    listing = page.browser.get("/console/integrations", headers=EN).text
    assert "<title>Integrations · Kaleno</title>" in listing
    assert "CRM" in listing and key not in listing  # never shown again
    assert key not in every_row(app) and key not in str(made.headers)
    with app.app_context():
        key_id = db.session.query(ApiKey).one().id

    ask = submit(
        page.browser, "/console/integrations", f"/console/integrations/keys/{key_id}/revoke"
    )
    assert ask.status_code == 200 and "Revoke this API key?" in ask.text
    assert with_key(page, key, "GET", "/api/bookings").status_code == 200  # not yet
    done = page.browser.post(
        f"/console/integrations/keys/{key_id}/revoke",
        data={"csrf_token": csrf_of(ask.text), "confirmed": "yes"},
    )
    assert done.status_code == 303
    assert with_key(page, key, "GET", "/api/bookings").status_code == 401


def test_bad_key_and_webhook_forms_say_what_is_wrong_beside_the_field(page: Page) -> None:
    no_scope = submit(
        page.browser, "/console/integrations", "/console/integrations/keys", name="CRM"
    )
    assert no_scope.status_code == 400
    assert 'id="f-scopes-error"' in no_scope.text and "Choose at least one permission." in (
        no_scope.text
    )
    assert 'value="CRM"' in no_scope.text  # the input is kept
    private = submit(
        page.browser,
        "/console/integrations",
        "/console/integrations/webhooks",
        url="http://10.0.0.1/hook",
        events="booking.created",
    )
    assert private.status_code == 400
    assert 'id="f-url-error"' in private.text and "public https addresses" in private.text


def test_a_webhook_added_in_the_console_gets_signed_events_and_can_be_deleted(
    app: Flask,
    page: Page,
    receiver: Receiver,  # noqa: F811
) -> None:
    made = submit(
        page.browser,
        "/console/integrations",
        "/console/integrations/webhooks",
        url=receiver.url,
        events="booking.created",
    )
    assert made.status_code == 201, made.text
    secret = _shown_once(made.text)
    receiver.secrets.append(secret)
    assert secret not in page.browser.get("/console/integrations").text
    booked = page.book(next_slot(days=3))
    assert booked.status_code == 201
    page.run_worker()
    assert [r.message["type"] for r in receiver.accepted()] == ["booking.created"]
    with app.app_context():
        endpoint_id = db.session.query(WebhookEndpoint).one().id
    ask = submit(
        page.browser,
        "/console/integrations",
        f"/console/integrations/webhooks/{endpoint_id}/delete",
    )
    done = page.browser.post(
        f"/console/integrations/webhooks/{endpoint_id}/delete",
        data={"csrf_token": csrf_of(ask.text), "confirmed": "yes"},
    )
    assert done.status_code == 303
    with app.app_context():
        assert db.session.query(WebhookEndpoint).count() == 0


def test_the_sites_that_may_frame_the_booking_pages_are_set_in_the_console(
    app: Flask, page: Page
) -> None:
    bad = submit(
        page.browser,
        "/console/integrations",
        "/console/integrations/embedding",
        embed_origins="https://www.example.com/\nnot a site",
    )
    assert bad.status_code == 400
    assert 'id="f-embed_origins-error"' in bad.text and "not a site" in bad.text  # kept
    saved = submit(
        page.browser,
        "/console/integrations",
        "/console/integrations/embedding",
        embed_origins="https://www.example.com/\n\nhttps://Shop.example.org",
    )
    assert saved.status_code == 303
    with app.app_context():
        user = db.session.get(User, page.host_id)
        assert user is not None
        assert user.embed_origins == ["https://shop.example.org", "https://www.example.com"]
    booking_page = requests.get(f"{page.base}/host/intro", timeout=30)
    policy = booking_page.headers["Content-Security-Policy"]
    assert "frame-ancestors https://shop.example.org https://www.example.com" in policy
