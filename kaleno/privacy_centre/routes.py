"""Ask for an export, rectification or erasure by email; open the emailed link to confirm.

The link ``/privacy/requests/{id}/t/{token}`` is checked once and traded for a short-lived
cookie scoped to ``/privacy/requests/{id}`` that holds a signed request id (never the
token); the browser is redirected to the address without the token. The same services as
``/api/privacy/requests`` do the work.
"""

from __future__ import annotations

import json
import uuid

from flask import Blueprint, Response, current_app, g, redirect, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import ValidationError
from werkzeug.wrappers import Response as BaseResponse

from kaleno.clock import current_time
from kaleno.errors import Conflict, KalenoError, NotFound
from kaleno.extensions import db
from kaleno.i18n import _
from kaleno.models import DataRequest
from kaleno.pages.common import check_same_origin, message_page, page
from kaleno.privacy import guest
from kaleno.privacy.routes import GuestRequestIn
from kaleno.site.cookies import REQUEST_GRANT_COOKIE, REQUEST_GRANT_MAX_AGE_S

bp = Blueprint("privacy_centre", __name__, url_prefix="/privacy/requests")
_SALT = "kaleno.privacy-request-grant"
KINDS = ("export", "rectification", "erasure")


@bp.before_request
def _private() -> None:
    g.no_referrer = True


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _granted(request_id: uuid.UUID) -> DataRequest | None:
    value = request.cookies.get(REQUEST_GRANT_COOKIE, "")
    try:
        granted_id = _serializer().loads(value, max_age=REQUEST_GRANT_MAX_AGE_S) if value else None
    except BadSignature:
        return None
    if granted_id != str(request_id):
        return None
    record = db.session.get(DataRequest, request_id)
    return record if record is not None and record.subject == "guest" else None


def _labels() -> dict[str, str]:
    return {
        "email": _("Email"),
        "kind": _("What you ask for"),
        "name": _("Name"),
        "phone": _("Phone"),
    }


def _ask_page(form: dict[str, str], errors: dict[str, str], status: int = 200) -> Response:
    return page(
        "privacy_centre/ask.html",
        status,
        form=form,
        errors=errors,
        labels=_labels(),
        page_has_errors=bool(errors),
    )


@bp.get("")
def ask() -> Response:
    """The form: which right, for which email address."""
    return _ask_page({"kind": "export"}, {})


@bp.post("")
def open_request() -> Response:
    """Open the request; the answer is the same whether or not the address is known."""
    check_same_origin()
    form = {name: request.form.get(name, "").strip() for name in ("email", "kind", "name", "phone")}
    values = {
        k: v
        for k, v in form.items()
        if v and (k in ("email", "kind") or form["kind"] == "rectification")
    }
    messages = {
        "email": _("Enter an email address like name@example.com."),
        "kind": _("Choose what you ask for."),
        "name": _("Enter a name of at most 100 characters."),
        "phone": _("Enter a phone number of digits, spaces and + - ( )."),
    }
    try:
        body = GuestRequestIn.model_validate(values)
    except ValidationError as error:
        errors = {
            str(e["loc"][0]): messages.get(str(e["loc"][0]), "") for e in error.errors() if e["loc"]
        }
        return _ask_page(form, errors, 400)
    details = {k: v for k, v in (("name", body.name), ("phone", body.phone)) if v is not None}
    guest.open_request(body.email, body.kind, details, current_time())
    return page("privacy_centre/sent.html")


@bp.get("/<uuid:request_id>/t/<token>")
def trade_token(request_id: uuid.UUID, token: str) -> BaseResponse:
    """Trade the emailed token for a grant cookie, then drop it from the address."""
    try:
        record = guest.load_verified(request_id, token)
    except NotFound:
        return message_page(
            _("Link not valid"),
            _("This link is not valid. Use the newest link from your email, or ask again."),
            404,
        )
    response = redirect(url_for("privacy_centre.show", request_id=record.id), code=303)
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(
        REQUEST_GRANT_COOKIE,
        _serializer().dumps(str(record.id)),
        max_age=REQUEST_GRANT_MAX_AGE_S,
        path=f"/privacy/requests/{record.id}",
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE", False)),
    )
    return response


def _no_grant() -> Response:
    return message_page(
        _("Open the link from your email"),
        _("To see this request, open the link in the email we sent you again."),
        403,
    )


@bp.get("/<uuid:request_id>")
def show(request_id: uuid.UUID) -> Response:
    """Show the request, with the button that confirms it."""
    record = _granted(request_id)
    if record is None:
        return _no_grant()
    response = page("privacy_centre/show.html", record=record)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<uuid:request_id>/confirm")
def confirm(request_id: uuid.UUID) -> Response:
    """Carry the request out (the grant proves the email); show what was done."""
    check_same_origin()
    record = _granted(request_id)
    if record is None:
        return _no_grant()
    try:
        guest.carry_out(record, current_time())
    except Conflict:
        return message_page(
            _("Link expired"), _("This request was not confirmed in time. Please ask again."), 409
        )
    response = page("privacy_centre/show.html", record=record, just_done=True)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<uuid:request_id>/export.json")
def download(request_id: uuid.UUID) -> Response:
    """Hand out a completed export once, as a file (then it is deleted)."""
    record = _granted(request_id)
    if record is None:
        return _no_grant()
    if record.kind != "export" or record.status != "completed":
        raise NotFound("No export here.")
    result = guest.export_result(record, current_time())
    if result is None:
        return message_page(
            _("Already downloaded"),
            _("This export was already downloaded or has expired. Ask again for a new one."),
            410,
        )
    response = current_app.response_class(json.dumps(result, indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="kaleno-my-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(KalenoError)
def _kaleno_error(error: KalenoError) -> Response:
    if error.status == 404:
        return message_page(_("Page not found"), _("There is nothing here."), 404)
    return message_page(_("Something went wrong"), _("Please try again in a moment."), error.status)
