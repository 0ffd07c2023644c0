"""A short-lived per-host cache of Google busy intervals: Redis when configured, else memory.

Keys carry a per-host generation number; ``invalidate`` bumps it, so every entry of that
host is dropped at once (old ones simply expire). Only busy intervals are stored, as UTC
ISO pairs in Redis — never tokens. Queried ranges are widened to whole UTC days so that
requests moments apart (``now`` moves) share an entry.

The memory store lives in one process: with several workers, configure Redis so an
invalidation reaches all of them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol

import redis
from flask import current_app

log = logging.getLogger(__name__)
Busy = tuple[tuple[datetime, datetime], ...]
_EXTENSION = "kaleno.busy_cache"
_DAY = timedelta(days=1)


class BusyStore(Protocol):
    """Where cached busy intervals and per-host generations live."""

    def generation(self, host_id: uuid.UUID) -> int: ...
    def bump(self, host_id: uuid.UUID) -> None: ...
    def get(self, key: str) -> Busy | None: ...
    def put(self, key: str, busy: Busy, ttl_s: int) -> None: ...
    def get_text(self, key: str) -> str | None: ...
    def put_text(self, key: str, text: str, ttl_s: int) -> None: ...


class MemoryStore:
    """A thread-safe in-process store with expiry and bounds on entries and bytes.

    Entries are kept in the order they were written; every write first drops expired
    entries from the front, so memory follows what was cached within one TTL, not what
    was ever cached (a soak showed unbounded growth before this).
    """

    def __init__(self, max_entries: int = 10_000, max_bytes: int = 8 * 1024 * 1024) -> None:
        self._lock = threading.Lock()
        self._generations: dict[uuid.UUID, int] = {}
        self._entries: dict[str, tuple[float, Busy | str]] = {}
        self._sizes: dict[str, int] = {}
        self._bytes = 0
        self._max_entries = max_entries
        self._max_bytes = max_bytes

    @property
    def size(self) -> tuple[int, int]:
        """``(entries, approximate bytes)`` held now."""
        with self._lock:
            return len(self._entries), self._bytes

    def generation(self, host_id: uuid.UUID) -> int:
        with self._lock:
            return self._generations.get(host_id, 0)

    def bump(self, host_id: uuid.UUID) -> None:
        with self._lock:
            self._generations[host_id] = self._generations.get(host_id, 0) + 1

    def get(self, key: str) -> Busy | None:
        value = self._get(key)
        return value if isinstance(value, tuple) else None

    def get_text(self, key: str) -> str | None:
        value = self._get(key)
        return value if isinstance(value, str) else None

    def put_text(self, key: str, text: str, ttl_s: int) -> None:
        self.put(key, text, ttl_s)

    def _get(self, key: str) -> Busy | str | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] <= time.monotonic():
                self._drop(key)
                return None
            return entry[1]

    def put(self, key: str, busy: Busy | str, ttl_s: int) -> None:
        now = time.monotonic()
        # Rough Python footprints: a str ~1 byte a character, an interval ~200 bytes.
        size = len(busy) if isinstance(busy, str) else 200 * len(busy)
        with self._lock:
            self._drop(key)  # re-inserted at the end, so the front is always the oldest
            while self._entries:  # every entry shares one TTL: expired ones lead
                oldest = next(iter(self._entries))
                if self._entries[oldest][0] > now:
                    break
                self._drop(oldest)
            while self._entries and (
                len(self._entries) >= self._max_entries or self._bytes + size > self._max_bytes
            ):
                self._drop(next(iter(self._entries)))
            self._entries[key] = (now + ttl_s, busy)
            self._sizes[key] = size
            self._bytes += size

    def _drop(self, key: str) -> None:
        if self._entries.pop(key, None) is not None:
            self._bytes -= self._sizes.pop(key, 0)


class RedisStore:
    """Entries as JSON lists of UTC ISO pairs with a Redis TTL; generations via INCR."""

    def __init__(self, url: str) -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)

    def generation(self, host_id: uuid.UUID) -> int:
        value = self._redis.get(_generation_key(host_id))
        return int(value) if value is not None else 0

    def bump(self, host_id: uuid.UUID) -> None:
        key = _generation_key(host_id)
        pipe = self._redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, 7 * 86_400)  # far longer than any entry lives
        pipe.execute()

    def get(self, key: str) -> Busy | None:
        raw = self._redis.get(key)
        if raw is None:
            return None
        pairs = json.loads(raw)
        return tuple((_parse(lo), _parse(hi)) for lo, hi in pairs)

    def put(self, key: str, busy: Busy, ttl_s: int) -> None:
        pairs = [[_iso(lo), _iso(hi)] for lo, hi in busy]
        self._redis.set(key, json.dumps(pairs), ex=ttl_s)

    def get_text(self, key: str) -> str | None:
        raw = self._redis.get(key)
        return raw.decode() if isinstance(raw, bytes) else None

    def put_text(self, key: str, text: str, ttl_s: int) -> None:
        self._redis.set(key, text, ex=ttl_s)


def _generation_key(host_id: uuid.UUID) -> str:
    return f"kaleno:busy-gen:{host_id}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def current_store() -> BusyStore:
    """The app's store, made on first use (Redis when ``REDIS_URL`` is set)."""
    url = str(current_app.config.get("REDIS_URL") or "")
    held = current_app.extensions.get(_EXTENSION)
    if held is None or held[0] != url:
        held = (url, RedisStore(url) if url else MemoryStore())
        current_app.extensions[_EXTENSION] = held
    store: BusyStore = held[1]
    return store


def day_bounds(time_min: datetime, time_max: datetime) -> tuple[datetime, datetime]:
    """Widen ``[time_min, time_max)`` to whole UTC days."""
    lo = time_min.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    hi = time_max.astimezone(UTC)
    hi_day = hi.replace(hour=0, minute=0, second=0, microsecond=0)
    return lo, hi_day if hi_day == hi else hi_day + _DAY


def cached_busy(
    host_id: uuid.UUID,
    calendars: Sequence[str],
    time_min: datetime,
    time_max: datetime,
    fetch: Callable[[datetime, datetime], Sequence[tuple[datetime, datetime]]],
) -> Busy:
    """Busy intervals of the host's calendars covering ``[time_min, time_max)``.

    On a miss, ``fetch(lo, hi)`` asks Google for the day-aligned range and the answer is
    kept for ``FREEBUSY_CACHE_TTL_S`` seconds (0 turns the cache off). A failing Redis
    is logged and bypassed: Google is asked instead, never skipped.
    """
    ttl_s = int(current_app.config.get("FREEBUSY_CACHE_TTL_S", 0))
    lo, hi = day_bounds(time_min, time_max)
    if ttl_s <= 0:
        return tuple(fetch(lo, hi))
    store = current_store()
    try:
        key = _entry_key(host_id, store.generation(host_id), calendars, lo, hi)
        hit = store.get(key)
    except redis.RedisError:
        log.warning("free/busy cache unavailable; asking Google", exc_info=True)
        return tuple(fetch(lo, hi))
    if hit is not None:
        return hit
    busy = tuple(fetch(lo, hi))
    try:
        store.put(key, busy, ttl_s)
    except redis.RedisError:
        log.warning("free/busy cache unavailable; answer not kept", exc_info=True)
    return busy


def invalidate(host_id: uuid.UUID) -> None:
    """Drop every cached busy range of the host."""
    try:
        current_store().bump(host_id)
    except redis.RedisError:
        log.warning("free/busy cache invalidation failed", exc_info=True)


def _entry_key(
    host_id: uuid.UUID, generation: int, calendars: Sequence[str], lo: datetime, hi: datetime
) -> str:
    # Calendar ids can be email addresses: hash them so keys hold no personal data.
    digest = hashlib.sha256("\n".join(calendars).encode()).hexdigest()[:16]
    return f"kaleno:busy:{host_id}:{generation}:{digest}:{lo:%Y%m%d}:{hi:%Y%m%d}"


def cached_text(host_id: uuid.UUID, parts: Sequence[str], build: Callable[[], str]) -> str:
    """A finished document about the host (e.g. a slots answer), kept like busy time.

    The key carries the host's generation, so anything that drops the host's busy time
    (a booking, new settings, a changed grant) drops these documents too. ``parts`` must
    name everything else the document depends on; they are hashed, never stored.
    """
    ttl_s = int(current_app.config.get("FREEBUSY_CACHE_TTL_S", 0))
    if ttl_s <= 0:
        return build()
    store = current_store()
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
    try:
        key = f"kaleno:doc:{host_id}:{store.generation(host_id)}:{digest}"
        hit = store.get_text(key)
    except redis.RedisError:
        log.warning("document cache unavailable; computing", exc_info=True)
        return build()
    if hit is not None:
        return hit
    text = build()
    try:
        store.put_text(key, text, ttl_s)
    except redis.RedisError:
        log.warning("document cache unavailable; answer not kept", exc_info=True)
    return text
