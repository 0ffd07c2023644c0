"""API keys and webhooks in the console: list, create (the key or secret shown once), revoke.

The same services and checks as ``/api/keys`` and ``/api/webhooks``. A new key or signing
secret is shown in the answer to the form that made it, and never again: not in a URL,
not in a cookie, not on the next page.
"""

from __future__ import annotations

import uuid

from flask import Response, redirect, request, url_for
from pydantic import ValidationError
from werkzeug.wrappers import Response as BaseResponse

from kaleno.account.routes import MePatch
from kaleno.auth.api_keys import create_key, list_keys, revoke_key
from kaleno.clock import current_time
from kaleno.console.common import bp, console_page, form_errors, host
from kaleno.console.confirm import confirm_page, confirmed
from kaleno.errors import KalenoError
from kaleno.i18n import _
from kaleno.integrations.endpoints import create_endpoint, delete_endpoint, list_endpoints
from kaleno.integrations.schemas import ApiKeyIn, EventName, ScopeName, WebhookIn
from kaleno.models import User
from kaleno.scheduling.fields import MAX_EMBED_ORIGINS
from kaleno.scheduling.profile import update_profile

SCOPES: tuple[ScopeName, ...] = (
    "bookings:read",
    "bookings:write",
    "settings:read",
    "settings:write",
)
EVENTS: tuple[EventName, ...] = ("booking.created", "booking.rescheduled", "booking.cancelled")


def _messages() -> dict[str, str]:
    return {
        "embed_origins": _(
            "One site per line, like https://www.example.com (no path), at most %(n)s.",
            n=MAX_EMBED_ORIGINS,
        ),
        "name": _("Enter a name of at most 100 characters."),
        "scopes": _("Choose at least one permission."),
        "url": _("Enter an https address of at most 2048 characters."),
        "events": _("Choose at least one event."),
    }


def _page(
    user: User,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, object] | None = None,
    shown_once: dict[str, str] | None = None,
) -> Response:
    response = console_page(
        "console/integrations.html",
        user,
        status,
        keys=list_keys(user),
        endpoints=list_endpoints(user),
        scopes=SCOPES,
        events=EVENTS,
        errors=errors or {},
        form=form or {"scopes": [], "events": list(EVENTS)},
        embed_origins=form.get("embed_origins") if form else "\n".join(user.embed_origins or []),
        shown_once=shown_once,
        done=request.args.get("done"),
    )
    response.headers["Cache-Control"] = "no-store"  # a key or secret may be on it
    return response


@bp.get("/integrations")
def integrations() -> Response:
    """The host's API keys and webhook endpoints."""
    return _page(host())


@bp.post("/integrations/keys")
def add_key() -> Response:
    """Create an API key and show it, this once."""
    user = host()
    form: dict[str, object] = {
        "name": request.form.get("name", ""),
        "scopes": request.form.getlist("scopes"),
    }
    try:
        body = ApiKeyIn.model_validate(form)
    except ValidationError as error:
        return _page(user, status=400, errors=form_errors(error, _messages()), form=form)
    _row, key = create_key(user, body.name, body.scopes, current_time())
    return _page(user, status=201, shown_once={"kind": "key", "value": key, "name": body.name})


@bp.post("/integrations/keys/<uuid:key_id>/revoke")
def revoke(key_id: uuid.UUID) -> BaseResponse:
    """Ask first; then the key stops working with the next request."""
    user = host()
    if not confirmed():
        return confirm_page(
            user,
            title=_("Revoke this API key?"),
            lines=[_("Programs using it are refused from the next request on.")],
            action=url_for("console.revoke", key_id=key_id),
            button=_("Revoke the key"),
            back=url_for("console.integrations"),
        )
    revoke_key(user, key_id, current_time())
    return redirect(url_for("console.integrations", done="revoked"), 303)


@bp.post("/integrations/webhooks")
def add_webhook() -> Response:
    """Add an endpoint and show its signing secret, this once."""
    user = host()
    form: dict[str, object] = {
        "url": request.form.get("url", ""),
        "events": request.form.getlist("events"),
    }
    try:
        body = WebhookIn.model_validate(form)
        _endpoint, secret = create_endpoint(user, body.url, body.events, current_time())
    except ValidationError as error:
        return _page(user, status=400, errors=form_errors(error, _messages()), form=form)
    except KalenoError as error:  # an address Kaleno will not call, or too many endpoints
        message = (
            _("You have as many webhooks as Kaleno allows; delete one first.")
            if error.status == 409
            else _("Kaleno sends events only to public https addresses; this one is not.")
        )
        return _page(user, status=error.status, errors={"url": message}, form=form)
    return _page(user, status=201, shown_once={"kind": "secret", "value": secret, "name": body.url})


@bp.post("/integrations/webhooks/<uuid:endpoint_id>/delete")
def remove_webhook(endpoint_id: uuid.UUID) -> BaseResponse:
    """Ask first; then no more events go to the endpoint."""
    user = host()
    if not confirmed():
        return confirm_page(
            user,
            title=_("Delete this webhook?"),
            lines=[_("No more events are sent to it; its delivery history goes with it.")],
            action=url_for("console.remove_webhook", endpoint_id=endpoint_id),
            button=_("Delete the webhook"),
            back=url_for("console.integrations"),
        )
    delete_endpoint(user, endpoint_id)
    return redirect(url_for("console.integrations", done="deleted"), 303)


@bp.post("/integrations/embedding")
def save_embedding() -> BaseResponse:
    """The sites allowed to show the booking pages in a frame (``PATCH /api/me``'s rule)."""
    user = host()
    text = request.form.get("embed_origins", "")
    origins = [line.strip().lower().rstrip("/") for line in text.splitlines() if line.strip()]
    try:
        body = MePatch.model_validate({"embed_origins": origins})
    except ValidationError as error:
        errors = form_errors(error, _messages())
        return _page(user, status=400, errors=errors, form={"embed_origins": text})
    update_profile(user, body.changes(), current_time())
    return redirect(url_for("console.integrations", done="embedding"), 303)
