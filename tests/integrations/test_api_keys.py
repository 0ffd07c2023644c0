"""API keys: shown once, stored as a hash, scoped, usable without CSRF, revoked at once."""

from __future__ import annotations

import uuid
from datetime import timedelta

from kaleno.extensions import db
from kaleno.models import ApiKey
from kaleno.vault import fingerprint
from tests.bookings.conftest import Page, next_slot, rfc3339
from tests.conftest import every_row
from tests.integrations.helpers import add_key, with_key

ALL = ["bookings:read", "bookings:write", "settings:read", "settings:write"]


def test_the_key_is_shown_once_and_only_its_hash_is_stored(page: Page) -> None:
    created = add_key(page, ["bookings:read"], name="CRM sync")
    key = created["key"]
    assert key.startswith("kal_") and len(key) > 40
    assert created["prefix"] == key[:12]
    (listed,) = page.host("GET", "/api/keys").json()["keys"]
    assert listed == {k: v for k, v in created.items() if k != "key"}
    rows = every_row(page.app)
    assert key not in rows and key[12:] not in rows
    with page.app.app_context():
        assert db.session.query(ApiKey).one().key_hash == fingerprint(key)


def test_a_key_acts_for_its_host_without_csrf(page: Page) -> None:
    key = add_key(page, ALL)["key"]
    booking = page.book(next_slot(days=3)).json()
    listed = with_key(page, key, "GET", "/api/bookings")
    assert listed.status_code == 200, listed.text
    assert [b["id"] for b in listed.json()["items"]] == [booking["id"]]
    path = f"/api/bookings/{booking['id']}"
    later = rfc3339(next_slot(days=3) + timedelta(hours=1))
    moved = with_key(page, key, "PATCH", path, json={"start": later})
    assert moved.status_code == 200, moved.text
    cancelled = with_key(page, key, "POST", f"{path}/cancel", json={"reason": "via API"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert with_key(page, key, "GET", "/api/event-types").status_code == 200
    # The customer's manage token keeps working on the same routes.
    assert page.customer("GET", path, booking["manage_token"]).status_code == 200
    (row,) = page.host("GET", "/api/keys").json()["keys"]
    assert row["last_used_at"] is not None


def test_a_key_whose_request_fails_still_shows_as_used(page: Page) -> None:
    """A failing integration still uses its key: the host must see that before revoking it."""
    key = add_key(page, ["bookings:read"])["key"]
    missing = with_key(page, key, "GET", f"/api/bookings/{uuid.uuid4()}")
    assert missing.status_code == 404, missing.text
    (row,) = page.host("GET", "/api/keys").json()["keys"]
    assert row["last_used_at"] is not None


def test_scopes_are_enforced(page: Page) -> None:
    read_bookings = add_key(page, ["bookings:read"])["key"]
    read_settings = add_key(page, ["settings:read"])["key"]
    booking = page.book(next_slot(days=3)).json()
    path = f"/api/bookings/{booking['id']}"
    assert with_key(page, read_bookings, "GET", path).status_code == 200
    denied = with_key(page, read_bookings, "POST", f"{path}/cancel", json={})
    assert denied.status_code == 403
    assert denied.headers["Content-Type"] == "application/problem+json"
    assert "bookings:write" in denied.json()["detail"]
    assert with_key(page, read_bookings, "GET", "/api/event-types").status_code == 403
    assert with_key(page, read_settings, "GET", "/api/event-types").status_code == 200
    assert with_key(page, read_settings, "GET", "/api/bookings").status_code == 403
    new_type = {"slug": "x", "title": "X", "duration_minutes": 30}
    assert (
        with_key(page, read_settings, "POST", "/api/event-types", json=new_type).status_code == 403
    )
    assert page.booking(booking["id"]).status == "confirmed"


def test_session_only_routes_refuse_every_key(page: Page) -> None:
    key = add_key(page, ALL)["key"]
    for method, path in [
        ("GET", "/api/keys"),
        ("POST", "/api/keys"),
        ("DELETE", "/api/me"),
        ("GET", "/api/me/export"),
        ("DELETE", "/api/calendar"),
    ]:
        response = with_key(page, key, method, path, json={"name": "x", "scopes": ALL})
        assert response.status_code == 403, (method, path, response.text)
    assert page.host("GET", "/api/me").status_code == 200  # the account is untouched


def test_revocation_takes_effect_at_once(page: Page) -> None:
    created = add_key(page, ["bookings:read"])
    key = created["key"]
    assert with_key(page, key, "GET", "/api/bookings").status_code == 200
    assert page.host("DELETE", f"/api/keys/{created['id']}").status_code == 204
    refused = with_key(page, key, "GET", "/api/bookings")
    assert refused.status_code == 401
    assert key not in refused.text
    (row,) = page.host("GET", "/api/keys").json()["keys"]
    assert row["revoked_at"] is not None
    assert page.host("DELETE", f"/api/keys/{created['id']}").status_code == 204
    assert with_key(page, "kal_" + "x" * 43, "GET", "/api/bookings").status_code == 401


def test_a_key_reaches_only_its_own_hosts_bookings(page: Page) -> None:
    key = add_key(page, ALL)["key"]
    booking = page.book(next_slot(days=3)).json()
    page.host("DELETE", f"/api/keys/{page.host('GET', '/api/keys').json()['keys'][0]['id']}")
    assert with_key(page, key, "GET", f"/api/bookings/{booking['id']}").status_code == 401
    fresh = add_key(page, ALL)["key"]
    other = "00000000-0000-4000-8000-000000000000"
    assert with_key(page, fresh, "GET", f"/api/bookings/{other}").status_code == 404


def test_bad_key_requests_are_400(page: Page) -> None:
    for body in ({"name": "", "scopes": ALL}, {"name": "x", "scopes": ["admin"]}, {"name": "x"}):
        response = page.host("POST", "/api/keys", json=body)
        assert response.status_code == 400, body
    assert page.host("GET", "/api/keys").json()["keys"] == []
