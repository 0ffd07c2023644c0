"""Outgoing mail through ``KALENO_MAIL_URL``: ``smtp://``, ``file://`` (development), ``memory://``.

``memory://`` keeps messages in ``app.extensions["kaleno_mail"]`` for tests to read.
"""

from __future__ import annotations

import smtplib
import urllib.parse
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from flask import current_app

SENDER = "Kaleno <no-reply@kaleno.invalid>"


@dataclass(frozen=True)
class SentMail:
    to: str
    subject: str
    body: str


def sent_mail() -> list[SentMail]:
    """Messages sent with ``memory://`` in this app (for tests)."""
    outbox: list[SentMail] = current_app.extensions.setdefault("kaleno_mail", [])
    return outbox


def send_mail(to: str, subject: str, body: str) -> None:
    """Send one plain-text message through the configured transport."""
    url = urllib.parse.urlsplit(current_app.config.get("MAIL_URL", "memory://"))
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if url.scheme == "memory":
        sent_mail().append(SentMail(to, subject, body))
    elif url.scheme == "file":
        folder = Path(url.path or "instance/mail")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{uuid.uuid4().hex}.eml").write_bytes(bytes(message))
    elif url.scheme in ("smtp", "smtps"):
        smtp_class = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
        with smtp_class(url.hostname or "localhost", url.port or 25, timeout=10) as smtp:
            if url.username:
                smtp.login(
                    urllib.parse.unquote(url.username), urllib.parse.unquote(url.password or "")
                )
            smtp.send_message(message)
    else:
        raise ValueError(f"unsupported KALENO_MAIL_URL scheme {url.scheme!r}")
