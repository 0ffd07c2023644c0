"""Where Google lives: the real endpoints, or the local emulator's in development and tests."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

GOOGLE_ISSUERS = ("https://accounts.google.com", "accounts.google.com")


@dataclass(frozen=True)
class GoogleEndpoints:
    """URLs of Google's OAuth and Calendar services for one deployment."""

    authorization: str
    token: str
    revoke: str
    certs: str
    calendar_api: str
    issuers: tuple[str, ...]

    @classmethod
    def real(cls) -> GoogleEndpoints:
        return cls(
            authorization="https://accounts.google.com/o/oauth2/v2/auth",
            token="https://oauth2.googleapis.com/token",  # noqa: S106 - a URL, not a secret
            revoke="https://oauth2.googleapis.com/revoke",
            certs="https://www.googleapis.com/oauth2/v1/certs",
            calendar_api="https://www.googleapis.com/calendar/v3/",
            issuers=GOOGLE_ISSUERS,
        )

    @classmethod
    def emulator(cls, base: str) -> GoogleEndpoints:
        base = base.rstrip("/")
        return cls(
            authorization=f"{base}/o/oauth2/v2/auth",
            token=f"{base}/token",
            revoke=f"{base}/revoke",
            certs=f"{base}/oauth2/v1/certs",
            calendar_api=f"{base}/calendar/v3/",
            issuers=(base,),
        )


def current_endpoints() -> GoogleEndpoints:
    """Endpoints for the running app: the emulator when configured (never in production)."""
    base = current_app.config.get("GOOGLE_EMULATOR_URL", "")
    if base:
        if current_app.config.get("KALENO_ENV") == "production":
            raise RuntimeError("the Google emulator is refused under the production config")
        return GoogleEndpoints.emulator(base)
    return GoogleEndpoints.real()
