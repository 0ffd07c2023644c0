"""Every cookie the app can set, in one registry, and the consent for optional ones.

The ``/cookies`` page renders this list and a browser test compares it with what Chromium
holds, so a cookie added anywhere without a line here fails the suite. Kaleno itself sets
only essential cookies; an operator may configure optional categories
(``KALENO_OPTIONAL_COOKIES``), whose cookies are set only after the visitor accepts them.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request
from werkzeug.wrappers import Response

from kaleno.i18n import LANG_COOKIE, LANG_COOKIE_MAX_AGE, _
from kaleno.pages.grants import GRANT_COOKIE, GRANT_MAX_AGE_S

CHOICE_COOKIE = "kaleno_cookie_choice"
CHOICE_MAX_AGE_S = 180 * 24 * 3600
ACCEPT, REJECT = "accept", "reject"
REQUEST_GRANT_COOKIE = "kaleno_privacy_request"
REQUEST_GRANT_MAX_AGE_S = 30 * 60


@dataclass(frozen=True)
class OptionalCookie:
    """An operator-configured non-essential cookie (``category:name:days:purpose``)."""

    category: str
    name: str
    max_age_s: int
    purpose: str


@dataclass(frozen=True)
class CookieSpec:
    """One cookie as the ``/cookies`` page lists it."""

    name: str
    essential: bool
    purpose: str
    max_age_s: int  # how long the browser keeps it


def parse_optional_cookies(raw: str) -> tuple[OptionalCookie, ...]:
    """Parse ``category:name:days:purpose`` entries separated by ``;``.

    Raises:
        ValueError: an entry with a missing part or a non-numeric lifetime.
    """
    entries = []
    for item in (part.strip() for part in raw.split(";")):
        if not item:
            continue
        category, name, days, purpose = (piece.strip() for piece in item.split(":", 3))
        if not (category and name and purpose) or not days.isdigit():
            raise ValueError(f"unusable optional cookie entry for category {category!r}")
        entries.append(OptionalCookie(category, name, int(days) * 24 * 3600, purpose))
    return tuple(entries)


def optional_cookies() -> tuple[OptionalCookie, ...]:
    """The optional cookies this deployment has enabled (usually none)."""
    return tuple(current_app.config.get("OPTIONAL_COOKIES", ()))


def cookie_registry() -> list[CookieSpec]:
    """Every cookie this app can set, essential first."""
    session_s = int(current_app.permanent_session_lifetime.total_seconds())
    cookies = [
        CookieSpec(
            current_app.config["SESSION_COOKIE_NAME"],
            True,
            _("Keeps a host signed in to the console (a random id; the server holds the rest)."),
            session_s,
        ),
        CookieSpec(LANG_COOKIE, True, _("Remembers the language you chose."), LANG_COOKIE_MAX_AGE),
        CookieSpec(
            GRANT_COOKIE,
            True,
            _("Lets you manage one booking after you opened the link from your email."),
            GRANT_MAX_AGE_S,
        ),
        CookieSpec(
            REQUEST_GRANT_COOKIE,
            True,
            _("Lets you see one privacy request after you opened the link from your email."),
            REQUEST_GRANT_MAX_AGE_S,
        ),
    ]
    extra = optional_cookies()
    if extra:
        cookies.append(
            CookieSpec(
                CHOICE_COOKIE,
                True,
                _("Remembers whether you accepted or rejected optional cookies."),
                CHOICE_MAX_AGE_S,
            )
        )
        cookies += [CookieSpec(c.name, False, c.purpose, c.max_age_s) for c in extra]
    return cookies


def cookie_choice() -> str | None:
    """The visitor's decision on optional cookies, if any."""
    value = request.cookies.get(CHOICE_COOKIE)
    return value if value in (ACCEPT, REJECT) else None


def apply_choice(response: Response, choice: str) -> None:
    """Remember ``choice``; set the optional cookies only when accepted, else remove them."""
    secure = bool(current_app.config.get("SESSION_COOKIE_SECURE", False))
    response.set_cookie(
        CHOICE_COOKIE,
        choice,
        max_age=CHOICE_MAX_AGE_S,
        httponly=True,
        samesite="Lax",
        secure=secure,
    )
    for cookie in optional_cookies():
        if choice == ACCEPT:
            response.set_cookie(
                cookie.name,
                "1",
                max_age=cookie.max_age_s,
                httponly=True,
                samesite="Lax",
                secure=secure,
            )
        else:
            response.delete_cookie(cookie.name)


def lifetime_text(seconds: int) -> str:
    """A cookie's lifetime in words: minutes, hours or days."""
    if seconds < 3600:
        return _("%(n)s minutes", n=seconds // 60)
    if seconds < 24 * 3600:
        return _("%(n)s hours", n=seconds // 3600)
    return _("%(n)s days", n=seconds // (24 * 3600))


def install(app: Flask) -> None:
    """Offer the banner to every page while optional cookies are enabled and undecided."""

    @app.context_processor
    def _banner() -> dict[str, object]:
        shown = bool(optional_cookies()) and cookie_choice() is None
        return {"cookie_banner": shown, "optional_cookies": optional_cookies() if shown else ()}
