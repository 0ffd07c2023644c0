"""What the console's pages share: the blueprint, sign-in and CSRF, errors beside fields."""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, Response, g, redirect, request, url_for
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException

from kaleno.auth.sessions import csrf_token, session_user
from kaleno.errors import KalenoError
from kaleno.i18n import _
from kaleno.models import User
from kaleno.pages.common import check_same_origin, message_page, page
from kaleno.site.policy import policy_notice

bp = Blueprint("console", __name__, url_prefix="/console")
CSRF_FIELD = "csrf_token"


class SignInFirst(Exception):
    """Raised on a console page without a live session: the handler redirects to sign-in."""


class BadCsrf(Exception):
    """Raised when a console form arrives without this session's CSRF token."""


@bp.before_request
def _private() -> None:
    g.no_referrer = True  # personal pages: never stored by caches, never sent as Referer


def host() -> User:
    """The signed-in host; unsafe requests must carry the session's CSRF token.

    Raises:
        SignInFirst: without a live session (answered with a redirect to sign-in).
        BadCsrf: on a form post without the right token (answered with 403).
    """
    user = session_user()
    if user is None:
        raise SignInFirst()
    if request.method == "POST":
        check_same_origin()
        sent = request.form.get(CSRF_FIELD, "")
        if not sent or not hmac.compare_digest(sent, csrf_token()):
            raise BadCsrf()
    return user


def console_page(template: str, user: User, status: int = 200, **context: Any) -> Response:
    """Render a console page with the navigation, CSRF token and any policy notice."""
    errors = context.get("errors") or {}
    return page(
        template,
        status,
        user=user,
        csrf=csrf_token(),
        policy_notice=policy_notice(user),
        page_has_errors=bool(errors),
        **context,
    )


def form_errors(error: ValidationError, messages: dict[str, str] | None = None) -> dict[str, str]:
    """A message beside each field pydantic refused, in the page's language."""
    found: dict[str, str] = {}
    for item in error.errors():
        name = ".".join(str(part) for part in item["loc"][:1]) if item["loc"] else "form"
        found.setdefault(name, (messages or {}).get(name) or _("This value is not valid."))
    return found


def problem_errors(error: KalenoError, messages: dict[str, str]) -> dict[str, str]:
    """A message beside each field a service refused (``errors`` of its problem)."""
    found: dict[str, str] = {}
    for item in error.errors or []:
        name = str(item.get("field", "form")).split(".", 1)[0]
        found.setdefault(name, messages.get(name) or _("This value is not valid."))
    return found or {"form": messages.get("form") or _("This could not be saved.")}


def validate(model: type[BaseModel], values: dict[str, Any]) -> BaseModel:
    """``values`` checked by the API's own model (same rules on the page as in the API)."""
    return model.model_validate(values)


@bp.errorhandler(SignInFirst)
def _sign_in(_error: SignInFirst) -> Response:
    target = request.full_path if request.method == "GET" else url_for("console.dashboard")
    return redirect(url_for("auth.login", next=target.rstrip("?")))  # type: ignore[return-value]


@bp.errorhandler(BadCsrf)
def _bad_csrf(_error: BadCsrf) -> Response:
    return message_page(
        _("Not allowed"), _("This form has expired. Go back, reload the page and try again."), 403
    )


@bp.errorhandler(KalenoError)
def _kaleno_error(error: KalenoError) -> Response:
    if error.status == 404:
        return message_page(_("Page not found"), _("There is nothing here."), 404)
    if error.slug == "processing-restricted":
        return message_page(
            _("Processing restricted"),
            _("You restricted processing. Lift the restriction on the privacy page first."),
            409,
        )
    return message_page(_("Something went wrong"), _("Please try again in a moment."), error.status)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    if error.code == 403:
        return message_page(_("Not allowed"), _("This request was refused."), 403)
    return message_page(
        _("Page not found"), _("There is no page at this address."), error.code or 404
    )
