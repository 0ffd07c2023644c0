"""The console's start page: the first-visit walk-through and the public profile."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, request, url_for
from pydantic import ValidationError
from werkzeug.wrappers import Response as BaseResponse

from kaleno.account.routes import MePatch
from kaleno.auth.sessions import end_session
from kaleno.clock import current_time
from kaleno.console.common import bp, console_page, form_errors, host, problem_errors
from kaleno.errors import ValidationProblem
from kaleno.grant.tokens import calendar_status
from kaleno.i18n import _
from kaleno.models import User
from kaleno.pages.picker import zone_choices
from kaleno.scheduling.event_type_service import live_event_types
from kaleno.scheduling.fields import RESERVED_SLUGS, SlugTaken
from kaleno.scheduling.profile import update_profile
from kaleno.site.policy import acknowledge_policy as record_acknowledgement


def _profile_messages() -> dict[str, str]:
    return {
        "slug": _(
            "Use 3 to 63 lowercase letters, digits and hyphens, starting and ending with a "
            "letter or digit."
        ),
        "timezone": _("Choose a time zone from the list."),
        "name": _("Enter a name of at most 100 characters."),
    }


def _dashboard(user: User, status: int = 200, **context: Any) -> Response:
    calendar = calendar_status(user)
    return console_page(
        "console/dashboard.html",
        user,
        status,
        calendar=calendar,
        has_event_types=bool(live_event_types(user)),
        zones=zone_choices(),
        form=context.pop(
            "form",
            {
                "slug": user.slug,
                "timezone": user.timezone,
                "name": user.name,
                "notify_new_booking": "yes" if user.notify_new_booking else "",
            },
        ),
        errors=context.pop("errors", {}),
        saved=request.args.get("saved") == "1",
        **context,
    )


@bp.get("")
def dashboard() -> Response:
    """The walk-through: calendar, public address, time zone, name; then what comes next."""
    return _dashboard(host())


@bp.post("/profile")
def save_profile() -> BaseResponse:
    """Rectify slug, time zone and name with the same rules as ``PATCH /api/me``."""
    user = host()
    form = {name: request.form.get(name, "").strip() for name in ("slug", "timezone", "name")}
    form["notify_new_booking"] = "yes" if request.form.get("notify_new_booking") == "yes" else ""
    values: dict[str, object] = {
        name: form[name] for name in ("slug", "timezone", "name") if form[name]
    }
    values["notify_new_booking"] = request.form.get("notify_new_booking") == "yes"
    messages = _profile_messages()
    try:
        body = MePatch.model_validate(values)
        update_profile(user, body.changes(), current_time())
    except ValidationError as error:
        if form["slug"] in RESERVED_SLUGS:
            messages["slug"] = _("This address is reserved for a page of Kaleno; choose another.")
        return _dashboard(user, 400, form=form, errors=form_errors(error, messages))
    except SlugTaken:
        taken = {"slug": _("Another host already uses this address; choose another.")}
        return _dashboard(user, 409, form=form, errors=taken)
    except ValidationProblem as error:
        messages["slug"] = _("This address is reserved for a page of Kaleno; choose another.")
        return _dashboard(user, 400, form=form, errors=problem_errors(error, messages))
    return redirect(url_for("console.dashboard", saved="1"), code=303)


@bp.post("/sign-out")
def sign_out() -> BaseResponse:
    """End the session, server-side too, and go to the home page."""
    host()
    end_session()
    return redirect(url_for("site.home"), code=303)


@bp.post("/policy")
def acknowledge_policy() -> BaseResponse:
    """Record that the host read the current privacy policy version (told once)."""
    user = host()
    record_acknowledgement(user, current_time())
    return redirect(safe_back(), code=303)


def safe_back() -> str:
    """The console page the form was on (its Referer is never sent, so: the start page)."""
    return url_for("console.dashboard")
