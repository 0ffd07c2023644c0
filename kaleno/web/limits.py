"""Rate limits per client (IPv4 address or IPv6 /64; per key for API-key requests),
chosen in one place from the matched URL rule.

Each group shares one bucket across its routes (signing in is one budget whether the
client hits the login or the callback); every ``/api/*`` request made with an API key
counts against that key's own budget instead. Storage is Redis when ``REDIS_URL`` is set, so
every worker on every host counts together; otherwise process memory.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import math
import re
import time
from dataclasses import dataclass

from flask import Flask, Response, current_app, request
from flask_limiter import Limit, Limiter, RateLimitExceeded
from limits import parse_many

from config import ConfigError
from kaleno.errors import http_problem

EXTENSION_KEY = "kaleno_limiter"
STRATEGY = "sliding-window-counter"
_PARAM = "<[^>]+>"


@dataclass(frozen=True)
class LimitGroup:
    """Routes (rule template + methods) that share one named limit setting."""

    name: str
    setting: str
    methods: frozenset[str]
    rule: re.Pattern[str]


GROUPS = (
    LimitGroup(
        "signin", "RATE_LIMIT_SIGNIN", frozenset({"GET", "HEAD"}), re.compile(r"^/auth/google/")
    ),
    LimitGroup(
        "slots",
        "RATE_LIMIT_SLOTS",
        frozenset({"GET", "HEAD"}),
        # The booking and manage pages read the same slots: one budget with the API.
        re.compile(rf"^/api/pages/{_PARAM}/{_PARAM}/slots$|^/{_PARAM}/{_PARAM}$|^/m/b/{_PARAM}$"),
    ),
    LimitGroup(
        "booking",
        "RATE_LIMIT_BOOKING",
        frozenset({"POST"}),
        re.compile(
            rf"^/api/pages/{_PARAM}/{_PARAM}/bookings$|^/{_PARAM}/{_PARAM}$"
            rf"|^/m/b/{_PARAM}/reschedule$"
        ),
    ),
    LimitGroup(
        "privacy",
        "RATE_LIMIT_PRIVACY",
        frozenset({"POST"}),
        re.compile(r"^/api/privacy/requests$|^/privacy/requests$"),  # the page shares it
    ),
    # Reschedule and cancel (a manage token or a session; each attempt may cost Google calls).
    LimitGroup(
        "manage",
        "RATE_LIMIT_MANAGE",
        frozenset({"PATCH", "POST"}),
        re.compile(
            rf"^/api/bookings/{_PARAM}(/cancel)?$|^/console/bookings/{_PARAM}/(cancel|move)$"
        ),
    ),
    LimitGroup(
        "confirm",
        "RATE_LIMIT_CONFIRM",
        frozenset({"POST"}),
        re.compile(rf"^/(api/)?privacy/requests/{_PARAM}/confirm$"),
    ),
)


# Requests with ``Authorization: Bearer kal_…`` on /api/*: one bucket per key.
API_KEY_GROUP = LimitGroup(
    "api_key",
    "RATE_LIMIT_API_KEY",
    frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}),
    re.compile(r"^/api/"),
)


def _presented_api_key() -> str | None:
    scheme, _, credential = request.headers.get("Authorization", "").strip().partition(" ")
    credential = credential.strip()
    return credential if scheme.lower() == "bearer" and credential.startswith("kal_") else None


def group_for(rule: str, method: str) -> LimitGroup | None:
    """The limit group of a route template and method, or None when it is not limited."""
    for group in GROUPS:
        if method in group.methods and group.rule.search(rule):
            return group
    return None


def _current_group() -> LimitGroup | None:
    if request.url_rule is None:
        return None
    rule = request.url_rule.rule
    if _presented_api_key() is not None and API_KEY_GROUP.rule.search(rule):
        return API_KEY_GROUP
    return group_for(rule, request.method)


def client_network(address: str) -> str:
    """The client a rate limit counts: an IPv4 address, or the /64 of an IPv6 address
    (one subscriber usually holds a whole /64, so its addresses are one client)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def client_key() -> str:
    """The bucket key of the API key sent, else of the client (after ProxyFix, the address
    the trusted proxy saw; IPv6 per /64), keyed-hashed so the rate-limit store never holds a
    key or an address in the clear."""
    api_key = _presented_api_key()
    subject = f"key|{api_key}" if api_key else client_network(request.remote_addr or "unknown")
    secret = str(current_app.secret_key or "").encode()
    return hmac.new(secret, subject.encode(), hashlib.sha256).hexdigest()[:32]


def install(app: Flask) -> Limiter:
    """Attach a limiter for this app and render its 429 as problem+json with Retry-After.

    Raises:
        ConfigError: when a configured limit is not a valid rate ("10/minute", "5 per second").
    """
    groups = (*GROUPS, API_KEY_GROUP)
    limit_values = {group.name: str(app.config[group.setting]) for group in groups}
    for group in groups:
        try:
            parse_many(limit_values[group.name])
        except ValueError:
            env = "KALENO_" + group.setting
            raise ConfigError(f"{env} is not a rate limit like '10/minute'") from None

    def current_limit() -> str:
        group = _current_group()
        return limit_values[group.name] if group else ""

    def current_scope(_endpoint: str) -> str:
        group = _current_group()
        return group.name if group else ""

    redis_url = str(app.config.get("REDIS_URL") or "")
    limiter = Limiter(
        client_key,
        default_limits=[Limit(current_limit, scope=current_scope, shared=True)],
        storage_uri=redis_url or "memory://",
        strategy=STRATEGY,
        key_prefix="kaleno",
        # A Redis outage must not take sign-in and booking down: count in memory meanwhile.
        in_memory_fallback_enabled=bool(redis_url),
        swallow_errors=True,
        headers_enabled=False,
    )
    limiter.init_app(app)
    app.extensions[EXTENSION_KEY] = limiter
    # flask-limiter logs each breach with the client address; addresses stay out of logs.
    logging.getLogger("flask-limiter").setLevel(logging.WARNING)

    @app.errorhandler(RateLimitExceeded)
    def _too_many_requests(error: RateLimitExceeded) -> Response:
        error.retry_after = _seconds_until_reset(limiter)
        return http_problem(error)

    return limiter


def _seconds_until_reset(limiter: Limiter) -> int:
    breached = limiter.current_limit
    if breached is None:
        return 60
    try:
        return max(1, math.ceil(breached.reset_at - time.time()))
    except Exception:  # storage unreachable while computing the hint: a safe default
        return 60
