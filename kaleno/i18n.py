"""Languages and local formatting for the pages: English and Indonesian through Flask-Babel.

The language comes from an explicit choice (``?lang=id``, remembered in the
``kaleno_lang`` cookie) or else from ``Accept-Language``. Dates and times are formatted
with Babel for that language; an English visitor's region (``en-US``) picks the clock
style, plain English reads as en-GB (24-hour ``HH:MM``).

Catalogs: ``kaleno/translations/<lang>/LC_MESSAGES/messages.po`` with the compiled
``messages.mo`` committed beside it (a fresh clone works without a compile step);
``make translations`` extracts, updates and recompiles them.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from typing import Any, cast
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_timezone_gmt, get_timezone_name
from flask import Flask, Response, g, has_request_context, request, url_for
from flask_babel import Babel, get_locale, gettext, ngettext
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

LOCALES = ("en", "id")
DEFAULT_LOCALE = "en"
LANG_COOKIE = "kaleno_lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600
LANG_PARAM = "lang"
_ENGLISH_REGIONS = frozenset({"GB", "US", "AU", "CA", "IE", "IN", "NZ", "SG", "ZA"})


def _(text: str, **variables: Any) -> str:
    """``text`` translated into this request's language (``%(name)s`` filled from keywords)."""
    return str(gettext(text, **variables))


def _n(singular: str, plural: str, num: int, **variables: Any) -> str:
    """The singular or plural of a message for ``num``, translated."""
    return str(ngettext(singular, plural, num, **variables))


def select_locale() -> str:
    """This request's language: ``?lang=``, then the cookie, then ``Accept-Language``."""
    if not has_request_context():  # e.g. the outbox worker: English unless forced
        return DEFAULT_LOCALE
    chosen = request.args.get(LANG_PARAM, "")
    if chosen in LOCALES:
        g.kaleno_lang_chosen = chosen
        return chosen
    remembered = request.cookies.get(LANG_COOKIE, "")
    if remembered in LOCALES:
        return remembered
    return request.accept_languages.best_match(LOCALES, default=DEFAULT_LOCALE) or DEFAULT_LOCALE


def format_locale(language: str | None = None) -> Locale:
    """The Babel locale for dates and times: ``language`` when given (an email written by
    the worker, outside any request), else this request's (worked out once per request)."""
    if language is not None:
        return _format_locale(language, "")
    if not has_request_context():
        return _format_locale(str(get_locale() or DEFAULT_LOCALE), "")
    cached = g.get("kaleno_format_locale")
    if cached is None:
        cached = g.kaleno_format_locale = _format_locale(
            str(get_locale() or DEFAULT_LOCALE), request.headers.get("Accept-Language", "")
        )
    return cast(Locale, cached)


@functools.lru_cache(maxsize=256)
def _format_locale(language: str, accept_language: str) -> Locale:
    lang, _, region = language.replace("_", "-").partition("-")
    if lang == "en" and region.upper() in _ENGLISH_REGIONS:
        return Locale("en", region.upper())
    if language == "en":
        for tag, _quality in LanguageAccept(parse_accept_header(accept_language)):
            lang, _, region = tag.replace("_", "-").partition("-")
            if lang.lower() == "en" and region.upper() in _ENGLISH_REGIONS:
                return Locale("en", region.upper())
        return Locale("en", "GB")
    try:
        return Locale.parse(language)
    except (ValueError, UnknownLocaleError):
        return Locale("en", "GB")


# Each formatter takes an optional ``language`` ("en", "en-US", "id"): without it, the
# current request's; outside a request, Flask-Babel's (``force_locale``) or English.


def clock(moment: datetime, zone: str, language: str | None = None) -> str:
    """The wall-clock time of ``moment`` in ``zone``, e.g. ``14:30`` (en-GB) or ``2:30 PM``."""
    local = moment.astimezone(ZoneInfo(zone))
    return format_time(local, "short", locale=format_locale(language))


def long_day(day: date, language: str | None = None) -> str:
    """A day as people read it: ``Monday, 7 December 2026`` / ``Senin, 07 Desember 2026``."""
    return format_date(day, "full", locale=format_locale(language))


def short_day(day: date, language: str | None = None) -> str:
    """A compact day label: ``Mon 7 Dec`` in the visitor's language."""
    return format_date(day, "EEE d MMM", locale=format_locale(language))


def moment_in(moment: datetime, zone: str, language: str | None = None) -> str:
    """Date and time of ``moment`` in ``zone``: ``Monday, 7 December 2026, 14:30``."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{long_day(local.date(), language)}, {clock(moment, zone, language)}"


def zone_label(zone: str, language: str | None = None) -> str:
    """A zone's IANA name with its localized name: ``Europe/Paris (Central European Time)``."""
    return _zone_label(zone, format_locale(language))


# Names of UTC itself; CLDR names it once, under Etc/UTC (Babel's lookup by zone misses it
# and says "Unknown Region (UTC) Time").
_UTC_NAMES = frozenset(
    {"UTC", "UCT", "Universal", "Zulu", "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu"}
)


@functools.lru_cache(maxsize=1024)
def _zone_label(zone: str, locale: Locale) -> str:
    try:
        tzinfo = ZoneInfo(zone)
        if zone in _UTC_NAMES:
            name = str(locale.time_zones["Etc/UTC"]["long"]["standard"])
        elif zone.startswith("Etc/GMT"):  # fixed offsets: "GMT-05:00" says it exactly
            name = get_timezone_gmt(datetime.now(tzinfo), "long", locale=locale)
        else:
            name = get_timezone_name(tzinfo, "long", locale=locale)
    except (LookupError, ValueError):
        return zone
    return zone if not name or name == zone else f"{zone} ({name})"


def lang_url(code: str) -> str:
    """This page's address in language ``code`` (other query arguments kept)."""
    values: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict()}
    values[LANG_PARAM] = code
    if request.method == "GET" and request.endpoint and request.endpoint != "static":
        return url_for(request.endpoint, **values)
    # A page answering a form post: the same address, fetched anew in that language.
    return f"{request.path}?{urlencode({LANG_PARAM: code})}"


def html_lang() -> str:
    """The value for ``<html lang>``."""
    return str(get_locale() or DEFAULT_LOCALE)


def init_i18n(app: Flask) -> None:
    """Wire Flask-Babel, the Jinja helpers and the language cookie into ``app``."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals.update(
        html_lang=html_lang,
        lang_url=lang_url,
        clock=clock,
        long_day=long_day,
        short_day=short_day,
        moment_in=moment_in,
        zone_label=zone_label,
        locales=LOCALES,
    )

    @app.after_request
    def _remember_language(response: Response) -> Response:
        chosen = g.get("kaleno_lang_chosen")
        if chosen:
            # Not a secret: the visitor's language, so the next page speaks it too.
            response.set_cookie(
                LANG_COOKIE,
                chosen,
                max_age=LANG_COOKIE_MAX_AGE,
                httponly=True,
                samesite="Lax",
                secure=app.config.get("SESSION_COOKIE_SECURE", False),
            )
        return response
