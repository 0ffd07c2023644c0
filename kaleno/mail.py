"""The mail transport behind ``KALENO_MAIL_URL``: ``smtp://``, ``smtps://``, ``file://``, ``memory://``.

Only the outbox worker delivers mail (``kaleno.notices``); no request waits on SMTP.
``file://PATH`` writes one ``.eml`` per message under PATH (``file://`` alone: the app's
``instance/mail``), named after its Message-ID so a retried delivery rewrites the same
file. ``memory://`` keeps messages in ``app.extensions["kaleno_mail"]`` for tests.
"""

from __future__ import annotations

import hashlib
import smtplib
import urllib.parse
from email.message import EmailMessage
from pathlib import Path

from flask import current_app

DEFAULT_SENDER = "Kaleno <no-reply@kaleno.invalid>"
SMTP_TIMEOUT_S = 10


class MailUnavailable(Exception):
    """The mail server cannot take the message now (down, busy, 4xx): try again later."""


class MailRejected(Exception):
    """The mail server refused the message for good (5xx): retrying will not help."""


def sent_mail() -> list[EmailMessage]:
    """Messages delivered with ``memory://`` in this app (for tests)."""
    outbox: list[EmailMessage] = current_app.extensions.setdefault("kaleno_mail", [])
    return outbox


def sender() -> str:
    """The ``From`` address of every message (``KALENO_MAIL_FROM``)."""
    return str(current_app.config.get("MAIL_FROM") or DEFAULT_SENDER)


def mail_folder() -> Path | None:
    """Where ``file://`` delivers, or None for another transport."""
    url = urllib.parse.urlsplit(current_app.config.get("MAIL_URL", "memory://"))
    if url.scheme != "file":
        return None
    path = urllib.parse.unquote(url.netloc + url.path)
    return Path(path) if path else Path(current_app.instance_path) / "mail"


def eml_name(message_id: str) -> str:
    """The file name of a message in the mail folder: stable for its Message-ID."""
    return hashlib.sha256(message_id.encode()).hexdigest()[:32] + ".eml"


def deliver(message: EmailMessage) -> None:
    """Hand ``message`` (with its own Message-ID) to the configured transport.

    Raises:
        MailUnavailable: the server is unreachable or answered with a temporary error.
        MailRejected: the server refused the message permanently.
    """
    url = urllib.parse.urlsplit(current_app.config.get("MAIL_URL", "memory://"))
    if url.scheme == "memory":
        sent_mail().append(message)
    elif url.scheme == "file":
        folder = mail_folder()
        assert folder is not None
        folder.mkdir(parents=True, exist_ok=True)
        (folder / eml_name(str(message["Message-ID"]))).write_bytes(bytes(message))
    elif url.scheme in ("smtp", "smtps"):
        _send_smtp(url, message)
    else:
        raise ValueError(f"unsupported KALENO_MAIL_URL scheme {url.scheme!r}")


def _send_smtp(url: urllib.parse.SplitResult, message: EmailMessage) -> None:
    smtp_class = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
    host, port = url.hostname or "localhost", url.port or 25
    try:
        with smtp_class(host, port, timeout=SMTP_TIMEOUT_S) as smtp:
            if url.username:
                smtp.login(
                    urllib.parse.unquote(url.username), urllib.parse.unquote(url.password or "")
                )
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        if all(code >= 500 for code in codes):
            raise MailRejected(f"recipient refused ({codes[0]})") from None
        raise MailUnavailable(f"recipient deferred ({codes[0]})") from None
    except smtplib.SMTPAuthenticationError:
        # Our credentials, not the message: keep it queued until the setting is fixed.
        raise MailUnavailable("SMTP login refused") from None
    except smtplib.SMTPResponseException as error:
        kind = MailRejected if error.smtp_code >= 500 else MailUnavailable
        raise kind(f"SMTP answered {error.smtp_code}") from None
    except (smtplib.SMTPException, OSError) as error:
        raise MailUnavailable(f"SMTP unreachable ({type(error).__name__})") from None
