"""Rate limits: per group and client address, 429 problem+json with Retry-After, Redis
storage, and the client address taken from X-Forwarded-For only behind trusted proxies."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from config import ConfigError
from kaleno.web.limits import EXTENSION_KEY, client_key, group_for
from tests.web.conftest import WebAppFactory, assert_problem

REDIS_TEST_URL = "redis://127.0.0.1:6379/15"
SLOTS = "/api/pages/host-a/cut/slots"
BOOKINGS = "/api/pages/host-a/cut/bookings"
LOW = {
    "RATE_LIMIT_SIGNIN": "2/minute",
    "RATE_LIMIT_SLOTS": "3/minute",
    "RATE_LIMIT_BOOKING": "2/minute",
    "RATE_LIMIT_PRIVACY": "2/minute",
}


def _with_probe_routes(app: Flask) -> Flask:
    """Routes at the limited templates, in case the real ones are not registered (yet).

    Where a real route exists it is matched first; the limit applies either way, because
    it is chosen from the route template before any view runs.
    """

    @app.get("/api/pages/<host_slug>/<event_slug>/slots")
    def probe_slots(host_slug: str, event_slug: str) -> dict[str, str]:
        return {"probe": "slots"}

    @app.post("/api/pages/<host_slug>/<event_slug>/bookings")
    def probe_bookings(host_slug: str, event_slug: str) -> dict[str, str]:
        return {"probe": "bookings"}

    return app


def _client(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _assert_429(client: FlaskClient, method: str, path: str) -> int:
    response = client.open(path, method=method, json={})
    body = assert_problem(response, 429)
    assert body["title"] == "Too Many Requests"
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 120
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    return retry_after


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", SLOTS, 3),
        ("POST", BOOKINGS, 2),
        ("GET", "/auth/google/callback", 2),
        ("POST", "/api/privacy/requests", 2),
    ],
)
def test_each_group_answers_429_after_its_limit(
    web_app: WebAppFactory, method: str, path: str, allowed: int
) -> None:
    app = _with_probe_routes(web_app(**LOW))
    client = _client(app, "10.0.0.7")
    for _ in range(allowed):
        assert client.open(path, method=method, json={}).status_code != 429
    _assert_429(client, method, path)
    # Another client, and another group for the same client, are unaffected.
    assert _client(app, "10.0.0.8").open(path, method=method, json={}).status_code != 429
    assert client.get("/healthz").status_code == 200


def test_sign_in_routes_share_one_budget(web_app: WebAppFactory) -> None:
    client = _client(web_app(**LOW), "10.0.0.9")
    assert client.get("/auth/google/callback").status_code != 429
    assert client.get("/auth/google/calendar/callback").status_code != 429
    _assert_429(client, "GET", "/auth/google/login")


def test_unlimited_routes_and_methods_never_answer_429(web_app: WebAppFactory) -> None:
    app = _with_probe_routes(web_app(**LOW))
    client = _client(app, "10.0.0.10")
    for _ in range(10):
        assert client.get("/healthz").status_code == 200
        assert client.options(SLOTS).status_code == 200
    assert group_for("/api/pages/<host_slug>", "GET") is None
    assert group_for("/api/pages/<host_slug>/<event_slug>/slots", "POST") is None


def test_a_malformed_limit_is_refused_at_start(web_app: WebAppFactory) -> None:
    with pytest.raises(ConfigError, match="KALENO_RATE_LIMIT_SLOTS"):
        web_app(RATE_LIMIT_SLOTS="lots")


@pytest.fixture
def redis_db() -> Iterator[redis.Redis]:
    """Redis database 15, for rate-limit storage tests."""
    connection = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        connection.ping()
    except redis.ConnectionError:
        connection.close()
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    yield connection
    connection.close()


def test_limits_count_in_redis_when_configured(
    web_app: WebAppFactory, redis_db: redis.Redis
) -> None:
    app = _with_probe_routes(web_app(**LOW, REDIS_URL=REDIS_TEST_URL))
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.1"
    with app.test_request_context(environ_base={"REMOTE_ADDR": address}):
        bucket = client_key()
    client = _client(app, address)
    apps = [app]
    try:
        for _ in range(3):
            assert client.get(SLOTS).status_code != 429
        _assert_429(client, "GET", SLOTS)
        keys = [key.decode() for key in redis_db.scan_iter(match=f"*{bucket}*")]
        assert keys and all("/slots/" in key for key in keys)
        assert all(address.encode() not in key for key in redis_db.scan_iter(match="*"))
        # Another worker (same secret key, same Redis) sees the same count.
        other = web_app(**LOW, REDIS_URL=REDIS_TEST_URL, SECRET_KEY=app.config["SECRET_KEY"])
        apps.append(other)
        _assert_429(_client(_with_probe_routes(other), address), "GET", SLOTS)
    finally:
        # Only this test's keys: a concurrent run of the suite may be using the database.
        for key in redis_db.scan_iter(match=f"*{bucket}*"):
            redis_db.delete(key)
        for built in apps:
            built.extensions[EXTENSION_KEY].storage.storage.connection_pool.disconnect()


@pytest.mark.parametrize(("trusted", "separate_buckets"), [(1, True), (0, False)])
def test_forwarded_for_picks_the_bucket_only_behind_trusted_proxies(
    web_app: WebAppFactory, trusted: int, separate_buckets: bool
) -> None:
    app = _with_probe_routes(web_app(**LOW, TRUSTED_PROXIES=trusted))
    proxy = _client(app, "10.0.0.1")
    first = {"X-Forwarded-For": "203.0.113.1"}
    for _ in range(3):
        assert proxy.get(SLOTS, headers=first).status_code != 429
    assert proxy.get(SLOTS, headers=first).status_code == 429
    second = proxy.get(SLOTS, headers={"X-Forwarded-For": "203.0.113.2"})
    assert (second.status_code != 429) is separate_buckets


def test_an_unreachable_redis_falls_back_to_memory(web_app: WebAppFactory) -> None:
    app = _with_probe_routes(web_app(**LOW, REDIS_URL="redis://127.0.0.1:9/0"))
    client = _client(app, "10.0.0.11")
    for _ in range(3):
        assert client.get(SLOTS).status_code not in (429, 500)
    _assert_429(client, "GET", SLOTS)
    app.extensions[EXTENSION_KEY].storage.storage.connection_pool.disconnect()
