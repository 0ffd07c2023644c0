"""Privacy and account: export, restriction, consents, erasure, and the record of it all."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from kaleno.auth.sessions import end_session
from kaleno.clock import current_time
from kaleno.console.common import bp, console_page, host
from kaleno.console.confirm import confirm_page, confirmed
from kaleno.extensions import db
from kaleno.i18n import _, _n
from kaleno.models import AuditEvent, User
from kaleno.pages.common import page
from kaleno.privacy import consents, restriction
from kaleno.privacy.disconnect import future_bookings
from kaleno.privacy.erasure import request_account_erasure

OPTIONAL_PURPOSES = ("analytics", "marketing")


def action_words() -> dict[str, str]:
    """What each audited action on the host's data was, in words."""
    return {
        "signin": _("You signed in."),
        "calendar.connect": _("You connected Google Calendar."),
        "calendar.disconnect": _("You disconnected Google Calendar."),
        "export": _("You downloaded your data."),
        "restriction.start": _("You restricted processing."),
        "restriction.end": _("You lifted the restriction."),
        "consent.change": _("You changed a consent."),
        "erasure.accepted": _("Kaleno accepted your request to delete the account."),
    }


def _render(user: User, **context: Any) -> Response:
    activity = db.session.scalars(
        select(AuditEvent)
        .filter_by(subject_user_id=user.id)
        .order_by(AuditEvent.at.desc())
        .limit(50)
    ).all()
    return console_page(
        "console/privacy.html",
        user,
        consent=consents.consent_state(user),
        purposes=OPTIONAL_PURPOSES,
        activity=activity,
        action_words=action_words(),
        done=request.args.get("done"),
        **context,
    )


@bp.get("/privacy")
def privacy() -> Response:
    """Export, rectify, restrict, consents, delete; and what was done, newest first."""
    return _render(host())


@bp.post("/privacy/restriction")
def restrict() -> BaseResponse:
    """Ask first; then restrict processing (pages close, data is kept)."""
    user = host()
    if not confirmed():
        return confirm_page(
            user,
            title=_("Restrict processing?"),
            lines=[
                _(
                    "Your data is kept but not used: your booking pages close, Kaleno makes "
                    "no calls to Google and sends no email for you until you lift it."
                )
            ],
            action=url_for("console.restrict"),
            button=_("Restrict processing"),
            back=url_for("console.privacy"),
        )
    restriction.restrict(user, current_time())
    return redirect(url_for("console.privacy", done="restricted"), code=303)


@bp.post("/privacy/restriction/lift")
def lift_restriction() -> BaseResponse:
    """Lift the restriction (nothing is lost, so no confirmation)."""
    restriction.lift(host())
    return redirect(url_for("console.privacy", done="lifted"), code=303)


@bp.post("/privacy/consents")
def save_consents() -> BaseResponse:
    """Give or withdraw each optional purpose (one click either way)."""
    user = host()
    decisions = {purpose: request.form.get(purpose) == "yes" for purpose in OPTIONAL_PURPOSES}
    consents.set_consents(user, decisions, consents.POLICY_VERSION, current_time())
    return redirect(url_for("console.privacy", done="consents"), code=303)


@bp.post("/privacy/delete")
def delete_account() -> BaseResponse:
    """Ask first (saying what happens to future bookings); then erase or accept the erasure."""
    user = host()
    cancel_future = request.form.get("cancel_future_bookings") == "yes"
    now = current_time()
    if not confirmed():
        pending = len(future_bookings(user, now))
        lines = [_("Your account, event types, hours and customers' details are erased.")]
        if pending:
            lines.append(
                _n(
                    "You have %(num)s future booking. Either cancel it now (the customer is "
                    "told) and erase at once, or keep it: the erasure then waits until it has "
                    "taken place, at the latest 30 days.",
                    "You have %(num)s future bookings. Either cancel them now (the customers "
                    "are told) and erase at once, or keep them: the erasure then waits until "
                    "they have taken place, at the latest 30 days.",
                    pending,
                )
            )
        choices = []
        if pending:
            choices.append(
                ("cancel_future_bookings", _("Cancel my future bookings now"), cancel_future)
            )
        return confirm_page(
            user,
            title=_("Delete your account?"),
            lines=lines,
            action=url_for("console.delete_account"),
            button=_("Delete my account"),
            back=url_for("console.privacy"),
            choices=choices,
        )
    status, receipt = request_account_erasure(user, now, cancel_future=cancel_future)
    if status == 200:
        end_session()
        return page("console/erased.html", receipt=receipt)
    return _render(user, erasure=receipt)
