"""Configuration read from ``KALENO_*`` environment variables.

``load_config()`` picks the class named by ``KALENO_ENV``. Production refuses to start
with a one-line reason when a secret is missing or weak; development keeps throwaway
secrets in ``instance/dev-secrets.json`` and says so in the log.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
import secrets
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

INSTANCE_DIR = Path(__file__).resolve().parent / "instance"
WEAK_SECRETS = frozenset({"", "dev", "secret", "changeme", "change-me", "password", "test"})
MIN_SECRET_KEY_LENGTH = 32
MIN_SECRET_KEY_BITS = 96  # estimated from character frequencies; 32 random hex chars: ~115
MIN_SECRET_KEY_DISTINCT = 10
MIN_CLIENT_SECRET_LENGTH = 20  # Google's client secrets have 24 (older) or 35 characters
MIN_TOKEN_KEY_DISTINCT_BYTES = 16  # 32 random bytes hold ~30 distinct values


class ConfigError(RuntimeError):
    """The environment does not describe a configuration Kaleno can run with."""


def parse_token_keys(raw: str) -> dict[str, bytes]:
    """Parse ``kid:base64key,…`` into an ordered key ring; every key must be 32 bytes.

    Raises:
        ConfigError: on a malformed entry, a duplicate key id or a key of the wrong size.
    """
    ring: dict[str, bytes] = {}
    for entry in (part.strip() for part in raw.split(",")):
        if not entry:
            continue
        kid, sep, encoded = entry.partition(":")
        if not sep or not kid or not kid.isalnum():
            raise ConfigError("KALENO_TOKEN_KEYS entries must look like kid:base64key")
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise ConfigError(f"KALENO_TOKEN_KEYS key {kid!r} is not valid base64") from None
        if len(key) != 32:
            raise ConfigError(f"KALENO_TOKEN_KEYS key {kid!r} must be 32 bytes (AES-256)")
        if kid in ring:
            raise ConfigError(f"KALENO_TOKEN_KEYS names key id {kid!r} twice")
        ring[kid] = key
    return ring


def _optional_cookies(raw: str) -> tuple[Any, ...]:
    from kaleno.site.cookies import parse_optional_cookies

    try:
        return parse_optional_cookies(raw)
    except ValueError as error:
        raise ConfigError(f"KALENO_OPTIONAL_COOKIES: {error}") from None


def parse_retry_schedule(raw: str) -> tuple[float, ...]:
    """Parse ``KALENO_WEBHOOK_RETRY_SCHEDULE_S`` (comma-separated positive seconds).

    Raises:
        ConfigError: for an entry that is not a positive number.
    """
    try:
        delays = tuple(float(part) for part in raw.split(",") if part.strip())
    except ValueError:
        raise ConfigError("KALENO_WEBHOOK_RETRY_SCHEDULE_S must list seconds like 5,300") from None
    if any(not 0 < delay < 10**7 for delay in delays):
        raise ConfigError("KALENO_WEBHOOK_RETRY_SCHEDULE_S entries must be positive seconds")
    return delays


def new_token_key_entry(kid: str) -> str:
    """Return a fresh ``kid:base64key`` entry for ``KALENO_TOKEN_KEYS``."""
    return f"{kid}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


def looks_random(secret: str) -> bool:
    """Whether ``secret`` could be random: not a short unit repeated, enough distinct
    characters, and enough estimated entropy (``"a"*32`` and ``"changeme"*4`` are not)."""
    length = len(secret)
    for unit in range(1, length // 3 + 1):
        if length % unit == 0 and secret[:unit] * (length // unit) == secret:
            return False
    counts = [secret.count(ch) for ch in set(secret)]
    if len(counts) < MIN_SECRET_KEY_DISTINCT:
        return False
    bits = -sum(n * math.log2(n / length) for n in counts)
    return bits >= MIN_SECRET_KEY_BITS


class Config:
    """Settings shared by every environment; subclasses adjust them."""

    ENV_NAME = "base"

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self.environ = env
        self.SECRET_KEY = env.get("KALENO_SECRET_KEY", "")
        self.TOKEN_KEYS_RAW = env.get("KALENO_TOKEN_KEYS", "")
        self.SQLALCHEMY_DATABASE_URI = env.get("KALENO_DATABASE_URL", "")
        self.GOOGLE_CLIENT_ID = env.get("KALENO_GOOGLE_CLIENT_ID", "")
        self.GOOGLE_CLIENT_SECRET = env.get("KALENO_GOOGLE_CLIENT_SECRET", "")
        self.GOOGLE_EMULATOR_URL = env.get("KALENO_GOOGLE_EMULATOR_URL", "").rstrip("/")
        self.BASE_URL = env.get("KALENO_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        self.MAIL_URL = env.get("KALENO_MAIL_URL", "memory://")
        self.MAIL_FROM = env.get("KALENO_MAIL_FROM", "Kaleno <no-reply@kaleno.invalid>")
        self.REDIS_URL = env.get("KALENO_REDIS_URL", "")
        self.ALLOWED_HOSTED_DOMAINS = tuple(
            d.strip().lower()
            for d in env.get("KALENO_ALLOWED_HOSTED_DOMAINS", "").split(",")
            if d.strip()
        )
        self.FREEBUSY_CACHE_TTL_S = int(env.get("KALENO_FREEBUSY_CACHE_TTL_S", "60"))
        self.GOOGLE_SEND_UPDATES = env.get("KALENO_GOOGLE_SEND_UPDATES", "all")
        # Every HTTP request to Google (Calendar, token refresh, signing keys), in seconds.
        self.GOOGLE_TIMEOUT_S = float(env.get("KALENO_GOOGLE_TIMEOUT_S", "10"))
        # id_token iat/exp tolerance; kaleno.google.oauth keeps it within 30-300 s.
        self.GOOGLE_CLOCK_SKEW_S = int(env.get("KALENO_GOOGLE_CLOCK_SKEW_S", "60"))
        # Outbox retry delays: doubling from MIN, capped at MAX (jittered 50-100 %).
        self.OUTBOX_BACKOFF_MIN_S = float(env.get("KALENO_OUTBOX_BACKOFF_MIN_S", "2"))
        self.OUTBOX_BACKOFF_MAX_S = float(env.get("KALENO_OUTBOX_BACKOFF_MAX_S", "300"))
        # Two-way sync (kaleno.sync): push when BASE_URL is public https ("auto"), or "on"
        # (also plain http: the emulator) / "off"; polling interval without push; periodic
        # reconciliation in every mode; channel lifetime asked of Google and renewal margin.
        self.SYNC_ENABLED = env.get("KALENO_SYNC", "on").lower() != "off"
        self.SYNC_PUSH = env.get("KALENO_SYNC_PUSH", "auto")
        self.SYNC_POLL_S = float(env.get("KALENO_SYNC_POLL_S", "60"))
        self.SYNC_RECONCILE_S = float(env.get("KALENO_SYNC_RECONCILE_S", "900"))
        self.SYNC_CHANNEL_TTL_S = float(env.get("KALENO_SYNC_CHANNEL_TTL_S", "604800"))
        self.SYNC_RENEW_BEFORE_S = float(env.get("KALENO_SYNC_RENEW_BEFORE_S", "3600"))
        self.SYNC_TICK_S = float(env.get("KALENO_SYNC_TICK_S", "5"))
        self.RETENTION_CUSTOMER_DAYS = int(env.get("KALENO_RETENTION_CUSTOMER_DAYS", "365"))
        self.RETENTION_AUDIT_DAYS = int(env.get("KALENO_RETENTION_AUDIT_DAYS", "730"))
        self.RETENTION_REQUEST_RESULT_DAYS = int(env.get("KALENO_RETENTION_REQUEST_DAYS", "30"))
        self.RETENTION_OUTBOX_DONE_DAYS = int(env.get("KALENO_RETENTION_OUTBOX_DAYS", "30"))
        self.RETENTION_EXPORT_HOURS = int(env.get("KALENO_RETENTION_EXPORT_HOURS", "24"))
        self.SLUG_QUARANTINE_DAYS = int(env.get("KALENO_SLUG_QUARANTINE_DAYS", "90"))
        self.LOG_LEVEL = env.get("KALENO_LOG_LEVEL", "INFO")
        self.MAX_CONTENT_LENGTH = int(env.get("KALENO_MAX_BODY_BYTES", str(64 * 1024)))
        self.TRUSTED_PROXIES = int(env.get("KALENO_TRUSTED_PROXIES", "0"))
        self.CORS_ORIGINS = tuple(
            o.strip().rstrip("/")
            for o in env.get("KALENO_CORS_ORIGINS", "").split(",")
            if o.strip()
        )
        self.METRICS_TOKEN = env.get("KALENO_METRICS_TOKEN", "")
        # Non-essential cookies an operator enables ("category:name:days:purpose;…"); none
        # by default. Pages then show a consent banner and set them only once accepted.
        self.OPTIONAL_COOKIES = _optional_cookies(env.get("KALENO_OPTIONAL_COOKIES", ""))
        self.RATE_LIMIT_SIGNIN = env.get("KALENO_RATE_LIMIT_SIGNIN", "10/minute")
        self.RATE_LIMIT_SLOTS = env.get("KALENO_RATE_LIMIT_SLOTS", "120/minute")
        self.RATE_LIMIT_BOOKING = env.get("KALENO_RATE_LIMIT_BOOKING", "20/minute")
        self.RATE_LIMIT_PRIVACY = env.get("KALENO_RATE_LIMIT_PRIVACY", "5/minute")
        self.RATE_LIMIT_MANAGE = env.get("KALENO_RATE_LIMIT_MANAGE", "20/minute")
        self.RATE_LIMIT_CONFIRM = env.get("KALENO_RATE_LIMIT_CONFIRM", "10/minute")
        # New bookings per 24 hours (each sends a Google invitation from the host's account).
        self.BOOKINGS_PER_CUSTOMER_PER_DAY = int(
            env.get("KALENO_BOOKINGS_PER_CUSTOMER_PER_DAY", "5")
        )
        self.BOOKINGS_PER_HOST_PER_DAY = int(env.get("KALENO_BOOKINGS_PER_HOST_PER_DAY", "200"))
        self.RATE_LIMIT_API_KEY = env.get("KALENO_RATE_LIMIT_API_KEY", "600/minute")
        self.WEBHOOK_TIMEOUT_S = float(env.get("KALENO_WEBHOOK_TIMEOUT_S", "10"))
        # Seconds to wait after each failed webhook attempt ("5,300,…"); empty: the default
        # schedule of kaleno/integrations/delivery.py (27.5 h). Benchmarks shorten it.
        self.WEBHOOK_RETRY_SCHEDULE_S = parse_retry_schedule(
            env.get("KALENO_WEBHOOK_RETRY_SCHEDULE_S", "")
        )
        # hide_parameters keeps bound values (tokens, emails) out of SQL error messages and logs.
        self.SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {
            "pool_pre_ping": True,
            "hide_parameters": True,
        }
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = True
        self.SESSION_COOKIE_NAME = "kaleno_session"
        self.TESTING = False
        self.DEBUG = False
        self.PROPAGATE_EXCEPTIONS = False
        self.GENERATED_SECRETS = False

    @property
    def TOKEN_KEYS(self) -> dict[str, bytes]:
        return parse_token_keys(self.TOKEN_KEYS_RAW)

    def finalize(self) -> None:
        """Fill defaults that depend on the environment; raise ConfigError when unusable."""
        if not self.SQLALCHEMY_DATABASE_URI:
            raise ConfigError("KALENO_DATABASE_URL is not set")
        self.TOKEN_KEYS  # noqa: B018 - parse now so a bad ring fails at start, not on first use

    def as_flask_mapping(self) -> dict[str, Any]:
        """Return the upper-case settings for ``app.config``."""
        values = {k: getattr(self, k) for k in dir(self) if k.isupper()}
        values["KALENO_ENV"] = self.ENV_NAME
        return values


class DevelopmentConfig(Config):
    """Local development: throwaway secrets kept in ``instance/``, SQLite by default."""

    ENV_NAME = "development"

    def finalize(self) -> None:
        self.SESSION_COOKIE_SECURE = False
        if not self.SQLALCHEMY_DATABASE_URI:
            self.SQLALCHEMY_DATABASE_URI = f"sqlite:///{INSTANCE_DIR / 'kaleno.sqlite3'}"
        if not self.SECRET_KEY or not self.TOKEN_KEYS_RAW:
            stored = _load_dev_secrets()
            self.SECRET_KEY = self.SECRET_KEY or stored["secret_key"]
            self.TOKEN_KEYS_RAW = self.TOKEN_KEYS_RAW or stored["token_keys"]
            self.GENERATED_SECRETS = True
        if not self.GOOGLE_CLIENT_ID:
            self.GOOGLE_CLIENT_ID = "kaleno-dev.apps.googleusercontent.com"
            self.GOOGLE_CLIENT_SECRET = self.GOOGLE_CLIENT_SECRET or "kaleno-dev-secret"
        super().finalize()


class TestConfig(Config):
    """The test suite: its own database, fixed throwaway secrets."""

    ENV_NAME = "test"

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        super().__init__(environ)
        self.TESTING = True
        self.SESSION_COOKIE_SECURE = False
        self.SQLALCHEMY_DATABASE_URI = self.environ.get("KALENO_TEST_DATABASE_URL", "")
        self.SECRET_KEY = "test-secret-key-" + secrets.token_hex(16)
        self.TOKEN_KEYS_RAW = new_token_key_entry("t1")
        self.GOOGLE_CLIENT_ID = "kaleno-test.apps.googleusercontent.com"
        self.GOOGLE_CLIENT_SECRET = "kaleno-test-secret"  # noqa: S105 - test-only client
        self.MAIL_URL = "memory://"
        # Limits stay on (their code path is exercised) but high enough for any test;
        # tests of the limits themselves build an app with low ones.
        self.RATE_LIMIT_SIGNIN = self.RATE_LIMIT_SLOTS = "10000/minute"
        self.RATE_LIMIT_BOOKING = self.RATE_LIMIT_PRIVACY = "10000/minute"
        self.RATE_LIMIT_MANAGE = self.RATE_LIMIT_CONFIRM = "10000/minute"
        self.BOOKINGS_PER_CUSTOMER_PER_DAY = self.BOOKINGS_PER_HOST_PER_DAY = 10000
        self.RATE_LIMIT_API_KEY = "10000/minute"
        # Tests of other areas count Google calls exactly: the sync clock runs only in
        # tests that switch it on (tests/sync).
        self.SYNC_ENABLED = False


class ProductionConfig(Config):
    """Production: every secret supplied and strong, real Google only."""

    ENV_NAME = "production"

    def finalize(self) -> None:
        if self.SECRET_KEY.lower() in WEAK_SECRETS or len(self.SECRET_KEY) < MIN_SECRET_KEY_LENGTH:
            raise ConfigError(
                f"KALENO_SECRET_KEY is missing or weak (need {MIN_SECRET_KEY_LENGTH}+ random chars)"
            )
        if not looks_random(self.SECRET_KEY):
            raise ConfigError(
                "KALENO_SECRET_KEY is not random enough (repeated or too few distinct "
                "characters); generate one: python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'"
            )
        if not self.TOKEN_KEYS_RAW:
            raise ConfigError("KALENO_TOKEN_KEYS is missing (generate: flask kaleno keys generate)")
        for kid, key in self.TOKEN_KEYS.items():
            if len(set(key)) < MIN_TOKEN_KEY_DISTINCT_BYTES:
                raise ConfigError(
                    f"KALENO_TOKEN_KEYS key {kid!r} is not random "
                    "(generate one: flask kaleno keys generate)"
                )
        if not self.GOOGLE_CLIENT_ID or not self.GOOGLE_CLIENT_SECRET:
            raise ConfigError(
                "KALENO_GOOGLE_CLIENT_ID and KALENO_GOOGLE_CLIENT_SECRET are required"
            )
        if self.GOOGLE_CLIENT_SECRET.lower() in WEAK_SECRETS:
            raise ConfigError("KALENO_GOOGLE_CLIENT_SECRET is weak")
        if len(self.GOOGLE_CLIENT_SECRET) < MIN_CLIENT_SECRET_LENGTH:
            raise ConfigError(
                "KALENO_GOOGLE_CLIENT_SECRET is too short to be a Google client secret"
            )
        if self.GOOGLE_EMULATOR_URL:
            raise ConfigError("KALENO_GOOGLE_EMULATOR_URL must not be set in production")
        base = urllib.parse.urlsplit(self.BASE_URL)
        if base.scheme != "https" or not base.hostname:
            raise ConfigError(
                "KALENO_BASE_URL must be an https:// URL in production "
                "(OAuth redirect URIs and secure cookies need TLS)"
            )
        schedule = self.WEBHOOK_RETRY_SCHEDULE_S
        if schedule and sum(schedule) < 24 * 3600:
            raise ConfigError("KALENO_WEBHOOK_RETRY_SCHEDULE_S must retry for at least 24 hours")
        self.SESSION_COOKIE_NAME = "__Host-kaleno_session"
        super().finalize()


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def load_config(environ: Mapping[str, str] | None = None) -> Config:
    """Build and check the configuration named by ``KALENO_ENV`` (default development).

    Raises:
        ConfigError: for an unknown environment or an unusable configuration.
    """
    env = os.environ if environ is None else environ
    name = env.get("KALENO_ENV", "development")
    if name not in CONFIGS:
        raise ConfigError(f"KALENO_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    config = CONFIGS[name](env)
    config.finalize()
    return config


def _load_dev_secrets() -> dict[str, str]:
    path = INSTANCE_DIR / "dev-secrets.json"
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
        return stored
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    stored = {"secret_key": secrets.token_urlsafe(48), "token_keys": new_token_key_entry("dev1")}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(stored, handle)
    return stored
