"""The words of each notice: subject, opening, details and the one link we put in.

Everything here is plain text in the reader's language (call inside ``force_locale``);
the templates escape it for HTML, so a customer's name or notes can never become markup
or a link. The only link is one Kaleno builds itself (the manage link).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from flask_babel import gettext


def _(text: str, **values: object) -> str:
    """``text`` in the current language, ``%(name)s`` filled from ``values`` (gettext)."""
    return str(gettext(text, **values))


@dataclass(frozen=True)
class Letter:
    """One email's content, before it is laid out as text and HTML."""

    subject: str
    lead: str
    details: list[tuple[str, str]] = field(default_factory=list)
    action: tuple[str, str] | None = None
    footer: list[str] = field(default_factory=list)


def babel_locale(locale: str) -> Locale:
    """The formatting locale of a mail language (plain English reads as en-GB, 24-hour)."""
    if locale == "en":
        return Locale("en", "GB")
    try:
        return Locale.parse(locale)
    except (ValueError, UnknownLocaleError):
        return Locale("en", "GB")


def when(moment: datetime, zone: str, locale: str) -> str:
    """A moment as the reader's clock shows it, zone named: ``Monday, 7 December 2026 15:30``."""
    local = moment.astimezone(ZoneInfo(zone))
    lang = babel_locale(locale)
    day = format_date(local.date(), "full", locale=lang)
    return f"{day}, {format_time(local, 'short', locale=lang)} ({zone})"


def location_words(kind: str) -> str:
    """What to say for a location kind that has no address or details of its own."""
    if kind == "google_meet":
        return _("Google Meet (the link comes with the calendar invitation)")
    if kind == "phone":
        return _("Phone call")
    if kind == "in_person":
        return _("In person")
    return _("See the details")


def request_kind_words(kind: str) -> str:
    """A privacy request's kind, as the reader says it."""
    if kind == "export":
        return _("export")
    if kind == "erasure":
        return _("erasure")
    return _("rectification")


def privacy_letter(kind: str, open_url: str) -> Letter:
    """The verification mail of a guest's privacy request: a link to its page."""
    words = request_kind_words(kind)
    return Letter(
        subject=_("Confirm your %(kind)s request", kind=words),
        lead=_(
            "Someone (hopefully you) asked Kaleno for the %(kind)s of the data tied to "
            "this address.",
            kind=words,
        ),
        details=[],
        action=(_("Open your request"), open_url),
        footer=[
            _("Open the link within 48 hours to see the request and confirm it."),
            _(
                "If it was not you, ignore this message; nothing happens unless the link is "
                "opened and confirmed."
            ),
        ],
    )
