"""The confirmation step every destructive console action goes through (works without JS)."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Response, request

from kaleno.console.common import console_page
from kaleno.models import User


def confirmed() -> bool:
    """Whether this post comes from the confirmation page (not the first click)."""
    return request.form.get("confirmed") == "yes"


def confirm_page(
    user: User,
    *,
    title: str,
    lines: Sequence[str],
    action: str,
    button: str,
    back: str,
    choices: Sequence[tuple[str, str, bool]] = (),
    hidden: dict[str, str] | None = None,
) -> Response:
    """Ask before doing something that cannot be undone."""
    return console_page(
        "console/confirm.html",
        user,
        title=title,
        lines=lines,
        action=action,
        button=button,
        back=back,
        choices=choices,
        hidden=hidden or {},
    )
