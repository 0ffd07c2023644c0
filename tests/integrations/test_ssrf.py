"""The SSRF guard: only public HTTPS (plus http://127.0.0.1 outside production), checked
when an endpoint is created and again, after DNS, before every attempt."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from flask import Flask

from kaleno.extensions import db
from kaleno.integrations.ssrf import UnsafeTarget, check_url
from kaleno.models import WebhookEndpoint
from tests.bookings.conftest import Page, next_slot
from tests.integrations.conftest import Receiver
from tests.integrations.helpers import EVENTS, add_webhook, deliveries, subscribe

PUBLIC = "93.184.216.34"
REFUSED_EVERYWHERE = [
    "https://127.0.0.1/hook",
    "https://localhost/hook",  # resolves to loopback
    "https://10.1.2.3/hook",
    "https://192.168.0.10/hook",
    "https://172.16.5.5/hook",
    "https://169.254.169.254/latest/meta-data",
    "https://100.64.0.1/hook",
    "https://0.0.0.0/hook",
    "https://240.0.0.1/hook",
    "https://[::1]/hook",
    "https://[fe80::1]/hook",
    "https://[fc00::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://user:pw@93.184.216.34/hook",
    "ftp://93.184.216.34/hook",
    "https://name.invalid/hook",
]


def _resolver(table: dict[str, list[str]]) -> Callable[[str, int], list[str]]:
    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError("no such name")
        return table[host]

    return resolve


@pytest.mark.parametrize("url", REFUSED_EVERYWHERE)
def test_refused_in_every_environment(url: str) -> None:
    for allow_local_http in (False, True):
        with pytest.raises(UnsafeTarget):
            check_url(url, allow_local_http=allow_local_http)


def test_public_https_is_pinned_to_the_checked_address() -> None:
    resolve = _resolver({"hooks.example": [PUBLIC]})
    target = check_url(
        "https://hooks.example:8443/in?x=1", allow_local_http=False, resolver=resolve
    )
    assert (target.host, target.address, target.port, target.path) == (
        "hooks.example",
        PUBLIC,
        8443,
        "/in?x=1",
    )


def test_a_name_with_any_private_address_is_refused() -> None:
    resolve = _resolver({"mixed.example": [PUBLIC, "10.0.0.5"]})
    with pytest.raises(UnsafeTarget, match="private"):
        check_url("https://mixed.example/", allow_local_http=False, resolver=resolve)


def test_plain_http_to_127_0_0_1_only_outside_production() -> None:
    assert check_url("http://127.0.0.1:9000/h", allow_local_http=True).address == "127.0.0.1"
    for url in ("http://127.0.0.1:9000/h", f"http://{PUBLIC}/h"):
        with pytest.raises(UnsafeTarget, match="https"):
            check_url(url, allow_local_http=False)
    with pytest.raises(UnsafeTarget):  # the exception is for the literal address only
        check_url("http://localhost:9000/h", allow_local_http=True)


@pytest.mark.parametrize(
    "url", ["https://169.254.169.254/latest", "http://localhost:9/h", "https://[::1]/h"]
)
def test_creating_an_unsafe_endpoint_is_a_400(page: Page, url: str) -> None:
    response = page.host("POST", "/api/webhooks", json={"url": url, "events": EVENTS})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "urn:kaleno:problem:unsafe-webhook-url"
    assert page.host("GET", "/api/webhooks").json()["webhooks"] == []


def test_a_public_https_endpoint_is_accepted(page: Page) -> None:
    created = add_webhook(page, f"https://{PUBLIC}/kaleno", ["booking.cancelled"])
    assert created["events"] == ["booking.cancelled"]
    assert created["secret"].startswith("whsec_")


@contextmanager
def _production(app: Flask) -> Iterator[None]:
    previous = app.config["KALENO_ENV"]
    app.config["KALENO_ENV"] = "production"
    try:
        yield
    finally:
        app.config["KALENO_ENV"] = previous


def test_checked_again_at_delivery_time(page: Page, receiver: Receiver) -> None:
    endpoint_id = subscribe(page, receiver, ["booking.created"])
    assert page.book(next_slot(days=3)).status_code == 201
    with _production(page.app):  # http://127.0.0.1 is refused there
        page.run_worker()
    (row,) = deliveries(page, endpoint_id)
    assert row["status"] == "pending"
    assert row["attempts"][0]["status_code"] is None
    assert row["attempts"][0]["error"].startswith("refused: Webhook URLs must start with https")
    assert receiver.requests == []
    with page.app.app_context():  # the name now resolves to loopback (DNS rebinding)
        endpoint = db.session.get(WebhookEndpoint, uuid.UUID(endpoint_id))
        assert endpoint is not None
        endpoint.url = receiver.url.replace("http://127.0.0.1", "https://localhost")
        db.session.commit()
    page.run_worker()
    (row,) = deliveries(page, endpoint_id)
    assert "loopback" in row["attempts"][1]["error"]
    assert receiver.requests == []


def test_redirects_are_not_followed(page: Page, receiver: Receiver) -> None:
    endpoint_id = subscribe(page, receiver, ["booking.created"])
    receiver.fail_next, receiver.fail_status = 1, 307
    assert page.book(next_slot(days=3)).status_code == 201
    page.run_worker()
    assert len(receiver.requests) == 1
    (row,) = deliveries(page, endpoint_id)
    assert row["attempts"][0]["status_code"] == 307 and row["status"] == "pending"


def test_a_slow_receiver_times_out(page: Page, receiver: Receiver) -> None:
    endpoint_id = subscribe(page, receiver, ["booking.created"])
    assert page.app.config["WEBHOOK_TIMEOUT_S"] == 10
    receiver.delay_s = 1.0
    page.app.config["WEBHOOK_TIMEOUT_S"] = 0.3
    try:
        assert page.book(next_slot(days=3)).status_code == 201
        page.run_worker()
    finally:
        page.app.config["WEBHOOK_TIMEOUT_S"] = 10.0
    (row,) = deliveries(page, endpoint_id)
    assert row["attempts"][0]["status_code"] is None
    assert row["attempts"][0]["error"] == "no answer within 0.3 s"
