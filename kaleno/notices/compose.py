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

from kaleno.mail import sender
from kaleno.notices.facts import BookingFacts
from kaleno.notices.invitation import invitation
from kaleno.notices.letters import Letter, booking_letter, privacy_letter

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
    locale = "en"
    if notice == "privacy_request":
        request_id = payload["request_id"]
        confirm_url = f"{base_url}/api/privacy/requests/{request_id}/confirm"
        letter = privacy_letter(payload["request_kind"], confirm_url, secret or "")
    else:
        facts = BookingFacts.from_payload(payload["facts"])
        locale = facts.locale
        manage_url = f"{base_url}/m/{secret}" if secret else None
        letter = booking_letter(
            notice, payload["to_role"], facts, manage_url=manage_url, minutes=payload.get("minutes")
        )
        if notice in ICS_METHOD:
            method = ICS_METHOD[notice]
            ics = (method, invitation(facts, method, now))  # type: ignore[arg-type]
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
    message["Content-Language"] = locale
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
    message.policy = HEADER_POLICY
    return message
