"""Write the email a mail job sends: headers, text and HTML parts, and the ``.ics``.

Transactional style: no tracking pixel, no remote image, no ``List-Unsubscribe``;
``Auto-Submitted: auto-generated`` so auto-responders stay quiet.
"""

from __future__ import annotations

import email.policy
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale

from kaleno.i18n import DEFAULT_LOCALE
from kaleno.mail import sender
from kaleno.notices.booking_letters import booking_letter
from kaleno.notices.facts import BookingFacts
from kaleno.notices.invitation import invitation
from kaleno.notices.letters import Letter, privacy_letter

# Parts are encoded under the default policy (lines of 78); headers are written with
# RFC 5322's 998-character limit, because the default folding of a long Subject starts a
# continuation line right after "Subject:", and readers then show a leading space.
HEADER_POLICY = email.policy.default.clone(max_line_length=998)
ICS_METHOD = {"confirmation": "REQUEST", "rescheduled": "REQUEST", "cancelled": "CANCEL"}


def compose(payload: dict[str, Any], secret: str | None, now: datetime) -> EmailMessage:
    """The message for a mail job's payload (``secret``: the token it carries, if any)."""
    notice = payload["notice"]
    base_url = current_app.config["BASE_URL"]
    ics: tuple[str, bytes] | None = None
    if notice == "privacy_request":
        locale = payload.get("locale", "en")
        # The page trades the token in this link for a cookie and drops it from the address.
        open_url = f"{base_url}/privacy/requests/{payload['request_id']}/t/{secret or ''}"
        with force_locale(locale):
            letter = privacy_letter(payload["request_kind"], open_url)
            return _message(payload["to"], payload["message_id"], letter, locale, None, now)
    facts = BookingFacts.from_payload(payload["facts"])
    manage_url = f"{base_url}/m/{secret}" if secret else None
    if notice in ICS_METHOD:
        method = ICS_METHOD[notice]
        ics = (method, invitation(facts, method, now))  # type: ignore[arg-type]
    # The customer reads the language they booked in; hosts have no language setting yet.
    locale = facts.locale if payload["to_role"] == "customer" else DEFAULT_LOCALE
    with force_locale(locale):
        letter = booking_letter(notice, payload["to_role"], facts, manage_url=manage_url)
        return _message(payload["to"], payload["message_id"], letter, locale, ics, now)


def _message(
    to: str,
    message_id: str,
    letter: Letter,
    locale: str,
    ics: tuple[str, bytes] | None,
    now: datetime,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender()
    message["To"] = to
    message["Subject"] = letter.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render_template("mail/letter.txt", letter=letter))
    message.add_alternative(
        render_template("mail/letter.html", letter=letter, lang=locale), subtype="html"
    )
    if ics is not None:
        method, body = ics
        message.add_attachment(
            body,
            maintype="text",
            subtype="calendar",
            filename="invitation.ics" if method == "REQUEST" else "cancellation.ics",
            params={"method": method},
        )
    message["Content-Language"] = locale  # after the parts: making them moves Content-*
    message.policy = HEADER_POLICY
    return message
