"""Per-key rate limits, and canaries: API keys and webhook secrets never in logs, rows,
problems or reprs."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from flask import Flask

from kaleno import create_app
from kaleno.extensions import db
from kaleno.logs import JSONFormatter, RequestIdFilter
from kaleno.models import ApiKey, WebhookEndpoint
from tests.bookings.conftest import Page, next_slot
from tests.conftest import dispose, every_row, make_config
from tests.integrations.conftest import Receiver
from tests.integrations.helpers import add_key, subscribe, with_key


@pytest.fixture
def low_limit_app(database_url: str, page: Page) -> Iterator[Flask]:
    """A second app on the same database whose keys may make 3 requests a minute."""
    built = create_app(make_config(database_url, RATE_LIMIT_API_KEY="3/minute"))
    yield built
    dispose(built)


def test_limits_count_per_key(low_limit_app: Flask, page: Page) -> None:
    first, second = add_key(page, ["bookings:read"])["key"], add_key(page, ["bookings:read"])["key"]
    client = low_limit_app.test_client()
    for _ in range(3):
        assert (
            client.get("/api/bookings", headers={"Authorization": f"Bearer {first}"}).status_code
            == 200
        )
    limited = client.get("/api/bookings", headers={"Authorization": f"Bearer {first}"})
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    # Another address does not reset the key's budget; another key has its own.
    elsewhere = low_limit_app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.9.8.7"
    assert (
        elsewhere.get("/api/bookings", headers={"Authorization": f"Bearer {first}"}).status_code
        == 429
    )
    assert (
        client.get("/api/bookings", headers={"Authorization": f"Bearer {second}"}).status_code
        == 200
    )


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """Everything logged at DEBUG, as the JSON lines Kaleno writes and as raw messages."""
    sink = io.StringIO()
    raw = logging.StreamHandler(sink)
    raw.setFormatter(logging.Formatter("%(message)s %(args)s %(exc_text)s"))
    formatted = logging.StreamHandler(sink)
    formatted.setFormatter(JSONFormatter())
    formatted.addFilter(RequestIdFilter())
    root = logging.getLogger()
    previous = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(raw)
    root.addHandler(formatted)
    yield sink
    root.removeHandler(formatted)
    root.removeHandler(raw)
    root.setLevel(previous)


def test_keys_and_secrets_never_leak(
    page: Page, receiver: Receiver, captured_logs: io.StringIO
) -> None:
    key = add_key(page, ["bookings:read", "bookings:write", "settings:read"])["key"]
    endpoint_id = subscribe(page, receiver)
    secret = receiver.secrets[0]
    rotated = page.host("POST", f"/api/webhooks/{endpoint_id}/secret").json()["secret"]
    receiver.secrets.append(rotated)
    booking = page.book(next_slot(days=3)).json()
    problems = [
        with_key(page, key, "DELETE", "/api/me").text,  # 403: session only
        with_key(page, key, "POST", "/api/event-types", json={}).text,  # 403: no scope
        with_key(page, key, "GET", "/api/bookings?to=nonsense").text,  # 400
    ]
    assert with_key(page, key, "POST", f"/api/bookings/{booking['id']}/cancel", json={}).ok
    receiver.fail_next = 1
    page.run_worker()
    page.run_worker()
    assert len(receiver.accepted()) == 2
    logging.getLogger("kaleno.test").info("header was Authorization: Bearer %s", key)
    revoked = page.host("GET", "/api/keys").json()["keys"][0]["id"]
    page.host("DELETE", f"/api/keys/{revoked}")
    problems.append(with_key(page, key, "GET", "/api/bookings").text)  # 401

    logs = captured_logs.getvalue()
    assert "Authorization: Bearer [redacted]" in logs  # the canary line was written, masked
    rows = every_row(page.app)
    for value in (key, key[4:], secret, rotated, secret[6:], rotated[6:]):
        assert value not in rows
        for problem in problems:
            assert value not in problem
    # As written (JSON lines): masked even where someone logged it on purpose.
    formatted = "\n".join(line for line in logs.splitlines() if line.startswith("{"))
    # Raw messages: our code never logs them at all (the canary line aside).
    raw = "\n".join(
        line for line in logs.splitlines() if not line.startswith("{") and "header was" not in line
    )
    for value in (key, secret, rotated):
        assert value not in formatted
        assert value not in raw
    with page.app.app_context():
        text = repr(db.session.query(ApiKey).all()) + repr(db.session.query(WebhookEndpoint).all())
    assert key not in text and key[:12] not in text
