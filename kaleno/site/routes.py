"""``/``, ``/privacy``, ``/cookies``: what Kaleno is, the policy it keeps, its cookies."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, request
from werkzeug.wrappers import Response as BaseResponse

from kaleno.auth.attempts import safe_next
from kaleno.auth.sessions import session_user
from kaleno.pages.common import check_same_origin, page
from kaleno.privacy.consents import POLICY_VERSION
from kaleno.site.cookies import ACCEPT, REJECT, apply_choice, cookie_registry, lifetime_text
from kaleno.site.policy import POLICY_DATE

bp = Blueprint("site", __name__)


@bp.get("/")
def home() -> Response:
    """Say what Kaleno does and offer sign-in (or the console when signed in)."""
    return page("site/home.html", signed_in=session_user() is not None)


@bp.get("/privacy")
def privacy_policy() -> Response:
    """Render the policy Kaleno implements."""
    config = current_app.config
    return page(
        "site/privacy.html",
        version=POLICY_VERSION,
        policy_date=POLICY_DATE,
        retention={
            "customer_days": config.get("RETENTION_CUSTOMER_DAYS", 365),
            "export_hours": config.get("RETENTION_EXPORT_HOURS", 24),
            "request_days": config.get("RETENTION_REQUEST_RESULT_DAYS", 30),
        },
    )


@bp.get("/cookies")
def cookies() -> Response:
    """List the cookies from the registry."""
    return page("site/cookies.html", cookies=cookie_registry(), lifetime_text=lifetime_text)


@bp.post("/cookies/choice")
def cookie_choice() -> BaseResponse:
    """Remember the visitor's choice and go back to the page they were on."""
    check_same_origin()
    choice = request.form.get("choice", "")
    if choice not in (ACCEPT, REJECT):
        return page(
            "site/cookies.html", 400, cookies=cookie_registry(), lifetime_text=lifetime_text
        )
    response = redirect(safe_next(request.form.get("next")), code=303)
    apply_choice(response, choice)
    return response
