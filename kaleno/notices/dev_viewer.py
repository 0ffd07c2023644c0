"""``/_dev/mail``: read the mail ``file://`` delivered, in development only.

Registered only under the development config, so every other config answers 404.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from flask import Blueprint, Response, abort, render_template

from kaleno.mail import mail_folder

bp = Blueprint("dev_mail", __name__, url_prefix="/_dev/mail")
_NAME = re.compile(r"^[0-9a-f]{32}\.eml$")


@dataclass(frozen=True)
class Attachment:
    """One attached file of a message, by its position among the attachments."""

    index: int
    filename: str
    content_type: str


def _folder() -> Path:
    folder = mail_folder()
    if folder is None:
        abort(404)
    return folder


def _read(name: str) -> EmailMessage:
    path = _folder() / name
    if not _NAME.match(name) or not path.is_file():
        abort(404)
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


@bp.get("")
def index() -> str:
    """List the delivered messages, newest first."""
    folder = _folder()
    files = sorted(
        (p for p in folder.glob("*.eml") if _NAME.match(p.name)) if folder.is_dir() else [],
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    messages = [(path.name, _read(path.name)) for path in files]
    return render_template("dev_mail/index.html", messages=messages, folder=folder)


@bp.get("/<name>")
def show(name: str) -> str:
    """Show one message: its headers, its text part, links to its attachments."""
    message = _read(name)
    text = message.get_body(preferencelist=("plain",))
    attachments = [
        Attachment(i, part.get_filename() or f"attachment-{i}", part.get_content_type())
        for i, part in enumerate(message.iter_attachments())
    ]
    return render_template(
        "dev_mail/show.html",
        name=name,
        message=message,
        text=text.get_content() if text is not None else "",
        attachments=attachments,
    )


@bp.get("/<name>/attachments/<int:index>")
def attachment(name: str, index: int) -> Response:
    """Download one attachment (e.g. the ``.ics``) as it was sent."""
    parts = list(_read(name).iter_attachments())
    if index >= len(parts):
        abort(404)
    part = parts[index]
    filename = part.get_filename() or f"attachment-{index}"
    return Response(
        part.get_payload(decode=True),
        mimetype=part.get_content_type(),
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
