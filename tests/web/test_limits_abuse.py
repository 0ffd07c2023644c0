"""Rate limits that close abuse paths: IPv6 clients bucketed per /64, and limits on
reschedule, cancel and guest confirmation."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask

from kaleno.web.limits import group_for
from tests.web.conftest import WebAppFactory

BOOKINGS = "/api/pages/host-a/cut/bookings"


def _with_booking_probe(app: Flask) -> Flask:
    """A route at the booking template, in case the real one is not registered."""

    @app.post("/api/pages/<host_slug>/<event_slug>/bookings")
    def probe_bookings(host_slug: str, event_slug: str) -> dict[str, str]:
        return {"probe": "bookings"}

    return app


def _status(app: Flask, address: str, method: str, path: str) -> int:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client.open(path, method=method, json={}).status_code


def test_ipv6_clients_share_one_budget_per_64(web_app: WebAppFactory) -> None:
    app = _with_booking_probe(web_app(RATE_LIMIT_BOOKING="2/minute"))
    assert _status(app, "2001:db8:1:2::1", "POST", BOOKINGS) != 429
    assert _status(app, "2001:db8:1:2::2", "POST", BOOKINGS) != 429
    # Any other address of the same /64 is the same client.
    assert _status(app, "2001:db8:1:2:ffff:ffff:ffff:fffe", "POST", BOOKINGS) == 429
    # Another /64, and IPv4 addresses, still count on their own.
    assert _status(app, "2001:db8:1:3::1", "POST", BOOKINGS) != 429
    assert _status(app, "10.0.0.1", "POST", BOOKINGS) != 429
    assert _status(app, "10.0.0.2", "POST", BOOKINGS) != 429
    assert _status(app, "10.0.0.2", "POST", BOOKINGS) != 429
    assert _status(app, "10.0.0.2", "POST", BOOKINGS) == 429


@pytest.mark.parametrize(
    ("method", "template", "path"),
    [
        ("PATCH", "/api/bookings/<uuid:booking_id>", "/api/bookings/{id}"),
        ("POST", "/api/bookings/<uuid:booking_id>/cancel", "/api/bookings/{id}/cancel"),
        (
            "POST",
            "/api/privacy/requests/<uuid:request_id>/confirm",
            "/api/privacy/requests/{id}/confirm",
        ),
    ],
)
def test_reschedule_cancel_and_guest_confirm_are_limited(
    web_app: WebAppFactory, method: str, template: str, path: str
) -> None:
    assert group_for(template, method) is not None
    app = web_app(RATE_LIMIT_MANAGE="2/minute", RATE_LIMIT_CONFIRM="2/minute")
    for _ in range(2):
        url = path.format(id=uuid.uuid4())
        assert _status(app, "10.1.0.9", method, url) != 429
    assert _status(app, "10.1.0.9", method, path.format(id=uuid.uuid4())) == 429
    assert _status(app, "10.1.0.10", method, path.format(id=uuid.uuid4())) != 429
