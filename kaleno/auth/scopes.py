"""Which API-key scope each host route needs (a pure table; no Flask, no database).

Routes absent from the table (API keys themselves, account erasure and export, consents,
restriction, calendar disconnect) stay session-only: a key can never widen its own reach
or take the account's data out.
"""

from __future__ import annotations

import re

BOOKINGS_READ = "bookings:read"
BOOKINGS_WRITE = "bookings:write"
SETTINGS_READ = "settings:read"
SETTINGS_WRITE = "settings:write"
SCOPES = (BOOKINGS_READ, BOOKINGS_WRITE, SETTINGS_READ, SETTINGS_WRITE)
READ_METHODS = frozenset({"GET", "HEAD"})

# (route template pattern, methods allowed with a key, area)
_AREAS: tuple[tuple[re.Pattern[str], frozenset[str], str], ...] = (
    (re.compile(r"^/api/bookings(/.*)?$"), frozenset({"GET", "HEAD", "PATCH", "POST"}), "bookings"),
    (
        re.compile(r"^/api/(event-types|availability|webhooks)(/.*)?$"),
        frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}),
        "settings",
    ),
    (re.compile(r"^/api/me$"), frozenset({"GET", "HEAD", "PATCH"}), "settings"),
    (re.compile(r"^/api/calendar$"), frozenset({"GET", "HEAD"}), "settings"),
)


def required_scope(rule: str, method: str) -> str | None:
    """The scope a key needs for ``method`` on the route template ``rule``; None: no key may."""
    for pattern, methods, area in _AREAS:
        if method in methods and pattern.match(rule):
            return f"{area}:{'read' if method in READ_METHODS else 'write'}"
    return None
