"""Helpers: wire a host's page to a receiver, read its delivery log, use API keys."""

from __future__ import annotations

from typing import Any

import requests

from tests.bookings.conftest import Page
from tests.integrations.conftest import Receiver

EVENTS = ["booking.created", "booking.rescheduled", "booking.cancelled"]


def add_webhook(page: Page, url: str, events: list[str] | None = None) -> dict[str, Any]:
    """Create an endpoint as the signed-in host; return the 201 body (with its secret)."""
    response = page.host("POST", "/api/webhooks", json={"url": url, "events": events or EVENTS})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def subscribe(page: Page, receiver: Receiver, events: list[str] | None = None) -> str:
    """Point a new endpoint at ``receiver`` and teach it the secret; return the endpoint id."""
    created = add_webhook(page, receiver.url, events)
    receiver.secrets.append(created["secret"])
    return str(created["id"])


def deliveries(page: Page, endpoint_id: str) -> list[dict[str, Any]]:
    """The endpoint's delivery log as the host sees it."""
    response = page.host("GET", f"/api/webhooks/{endpoint_id}/deliveries")
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["deliveries"]
    return rows


def add_key(page: Page, scopes: list[str], name: str = "crm") -> dict[str, Any]:
    """Create an API key as the signed-in host; return the 201 body (with the key)."""
    response = page.host("POST", "/api/keys", json={"name": name, "scopes": scopes})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def with_key(page: Page, key: str, method: str, path: str, **kwargs: Any) -> requests.Response:
    """A request with ``Authorization: Bearer kal_…`` and no cookies or CSRF token."""
    headers = {"Authorization": f"Bearer {key}"}
    return requests.request(method, page.base + path, headers=headers, timeout=30, **kwargs)
