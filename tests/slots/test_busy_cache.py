"""The free/busy cache: one Google call per host and range within the TTL, dropped on
busy_cache.invalidate, in memory and in Redis; it never holds tokens."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis
from flask import Flask

from kaleno.grant import busy_cache
from tests.auth.browser import Browser
from tests.slots.published import Published, freeze_clock, publish

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def page(app: Flask, browser: Browser, monkeypatch: pytest.MonkeyPatch) -> Published:
    freeze_clock(monkeypatch)
    return publish(app, browser)


def _redis_or_skip() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        client.close()
        pytest.skip("no Redis at 127.0.0.1:6379")
    return client


def test_second_request_is_served_from_cache_until_invalidated(page: Published) -> None:
    first = page.slots("2030-01-07", "2030-01-08")
    page.busy_event("2030-01-07T09:00:00+07:00", "2030-01-07T10:00:00+07:00")
    assert page.slots("2030-01-07", "2030-01-08") == first  # cached: the new event is unseen
    assert page.freebusy_calls() == 1
    with page.app.app_context():
        busy_cache.invalidate(page.host_id)
    after = page.slots("2030-01-07", "2030-01-08")
    assert page.freebusy_calls() == 2
    assert after["days"][0]["slots"][0]["start"] == "2030-01-07T10:00:00+07:00"


def test_saving_availability_drops_the_cache(page: Published) -> None:
    page.slots("2030-01-07", "2030-01-07")
    page.host.call(
        "PUT", "/api/availability", {"timezone": "Asia/Jakarta", "weekly": {"monday": []}}
    )
    page.host.call(
        "PUT",
        "/api/availability",
        {"timezone": "Asia/Jakarta", "weekly": {"monday": [{"start": "09:00", "end": "17:00"}]}},
    )
    page.slots("2030-01-07", "2030-01-07")
    assert page.freebusy_calls() == 2


def test_ttl_zero_turns_the_cache_off(page: Published, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(page.app.config, "FREEBUSY_CACHE_TTL_S", 0)
    page.slots("2030-01-07", "2030-01-07")
    page.slots("2030-01-07", "2030-01-07")
    assert page.freebusy_calls() == 2


def test_redis_cache_is_shared_and_invalidated(
    page: Published, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _redis_or_skip()
    monkeypatch.setitem(page.app.config, "REDIS_URL", REDIS_URL)
    try:
        first = page.slots("2030-01-07", "2030-01-08")
        # A different process would use its own store object against the same Redis.
        page.app.extensions.pop("kaleno.busy_cache", None)
        assert page.slots("2030-01-07", "2030-01-08") == first
        assert page.freebusy_calls() == 1
        keys = client.keys(f"kaleno:busy:{page.host_id}:*")
        assert len(keys) == 1
        stored = client.get(keys[0])
        assert isinstance(stored, bytes)
        tokens = page.google.state()["tokens"]
        issued = [t["token"] for t in tokens["access_tokens"]] + tokens["refresh_tokens"]
        assert issued
        for token in issued:
            assert token.encode() not in stored
        with page.app.app_context():
            busy_cache.invalidate(page.host_id)
        page.slots("2030-01-07", "2030-01-08")
        assert page.freebusy_calls() == 2
    finally:
        for key in client.keys(f"kaleno:busy*:{page.host_id}*"):
            client.delete(key)
        client.close()
        page.app.extensions.pop("kaleno.busy_cache", None)


def test_unreachable_redis_falls_back_to_asking_google(
    page: Published, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(page.app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    try:
        page.slots("2030-01-07", "2030-01-07")
        page.slots("2030-01-07", "2030-01-07")
        assert page.freebusy_calls() == 2
    finally:
        page.app.extensions.pop("kaleno.busy_cache", None)


def test_redis_store_round_trips_utc_iso_pairs() -> None:
    client = _redis_or_skip()
    store = busy_cache.RedisStore(REDIS_URL)
    key = f"kaleno:busy:test:{secrets.token_hex(8)}"
    start = datetime(2030, 1, 7, 2, tzinfo=UTC)
    busy = ((start, start + timedelta(minutes=30)),)
    try:
        store.put(key, busy, 5)
        assert store.get(key) == busy
        assert client.get(key) == b'[["2030-01-07T02:00:00+00:00", "2030-01-07T02:30:00+00:00"]]'
        assert 0 < int(client.ttl(key)) <= 5
        host = uuid.uuid4()
        assert store.generation(host) == 0
        store.bump(host)
        assert store.generation(host) == 1
    finally:
        client.delete(key, f"kaleno:busy-gen:{host}")
        client.close()


def test_memory_store_expires_and_bounds_its_size() -> None:
    store = busy_cache.MemoryStore(max_entries=2)
    busy = ((datetime(2030, 1, 7, tzinfo=UTC), datetime(2030, 1, 8, tzinfo=UTC)),)
    store.put("a", busy, 0)
    assert store.get("a") is None
    store.put("b", busy, 60)
    store.put("c", busy, 60)
    store.put("d", busy, 60)
    assert store.get("d") == busy
    assert sum(store.get(k) is not None for k in "bcd") == 2


def test_day_bounds_widen_to_whole_utc_days() -> None:
    lo, hi = busy_cache.day_bounds(
        datetime(2030, 1, 7, 9, 30, tzinfo=UTC), datetime(2030, 1, 8, 0, 0, tzinfo=UTC)
    )
    assert (lo, hi) == (datetime(2030, 1, 7, tzinfo=UTC), datetime(2030, 1, 8, tzinfo=UTC))


def test_memory_store_forgets_expired_entries_on_write_and_bounds_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [1000.0]
    monkeypatch.setattr(busy_cache.time, "monotonic", lambda: clock[0])
    store = busy_cache.MemoryStore(max_entries=1000, max_bytes=10_000)
    for n in range(50):
        store.put_text(f"k{n}", "x" * 100, ttl_s=60)
    assert store.size == (50, 5000)
    clock[0] += 61  # all of them expired; one write sweeps them
    store.put_text("fresh", "y" * 100, ttl_s=60)
    assert store.size == (1, 100)
    for n in range(200):  # 200 x 100 bytes would exceed 10,000: the oldest go first
        store.put_text(f"b{n}", "z" * 100, ttl_s=60)
    entries, held = store.size
    assert (entries, held) == (100, 10_000)
    assert store.get_text("b199") == "z" * 100
    assert store.get_text("fresh") is None
