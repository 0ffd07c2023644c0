"""The authorization endpoint: validate the request, then consent (page or scripted)."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import Blueprint, Response, render_template, request

from kaleno.emulator.app_state import current_state
from kaleno.emulator.grants import granted_scopes, issue_code
from kaleno.emulator.scopes import SIGN_IN_SCOPES, is_known_scope, normalize_scopes
from kaleno.emulator.state import Account, AuthRequest, EmulatorState

bp = Blueprint("emulator_authorize", __name__, template_folder="templates")

AUTH_PATH = "/o/oauth2/v2/auth"
_PROMPTS = {"none", "consent", "select_account"}


class _RequestError(Exception):
    """An invalid request detected after the redirect URI was validated."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(error)
        self.error = error
        self.description = description


def error_page(error: str, description: str) -> Response:
    """Render Google-style 'Error 400' page; used when redirecting would be unsafe."""
    html = render_template("emulator/error.html", error=error, description=description)
    return Response(html, status=400, content_type="text/html; charset=utf-8")


def _redirect_to(redirect_uri: str, params: dict[str, str | None]) -> Response:
    parts = urlsplit(redirect_uri)
    query = urlencode({k: v for k, v in params.items() if v is not None})
    joined = f"{parts.query}&{query}" if parts.query else query
    location = urlunsplit(parts._replace(query=joined))
    return Response(status=302, headers={"Location": location})


def _parse_request() -> AuthRequest:
    """Validate the query parameters beyond client and redirect URI.

    Raises:
        _RequestError: for anything RFC 6749 reports back to the redirect URI.
    """
    args = request.args
    if args.get("response_type") != "code":
        raise _RequestError("unsupported_response_type", "Only response_type=code is supported.")
    raw_scopes = args.get("scope", "").split()
    if not raw_scopes:
        raise _RequestError("invalid_request", "Missing required parameter: scope")
    unknown = [s for s in raw_scopes if not is_known_scope(s)]
    if unknown:
        raise _RequestError("invalid_scope", f"Some requested scopes were invalid: {unknown[0]}")
    challenge = args.get("code_challenge")
    method = args.get("code_challenge_method")
    if (challenge or method) and (method != "S256" or not challenge):
        raise _RequestError("invalid_request", "Only code_challenge_method=S256 is supported.")
    access_type = args.get("access_type", "online")
    if access_type not in ("online", "offline"):
        raise _RequestError("invalid_request", f"Invalid access_type: {access_type}")
    prompt = args.get("prompt")
    if prompt is not None and not set(prompt.split()) <= _PROMPTS:
        raise _RequestError("invalid_request", f"Invalid prompt: {prompt}")
    return AuthRequest(
        client_id=args["client_id"],
        redirect_uri=args["redirect_uri"],
        scopes=normalize_scopes(raw_scopes),
        state=args.get("state"),
        nonce=args.get("nonce"),
        code_challenge=challenge,
        access_type=access_type,
        prompt=prompt,
        login_hint=args.get("login_hint"),
        include_granted_scopes=args.get("include_granted_scopes") == "true",
    )


def _approve(
    state: EmulatorState, auth: AuthRequest, account: Account, allowed: list[str] | None
) -> Response:
    scopes = granted_scopes(state, auth, account, allowed)
    if not scopes:
        return _deny(auth)
    code = issue_code(state, auth, account, scopes)
    prompt = "none" if auth.prompt == "none" else "consent"
    params = {
        "state": auth.state,
        "code": code,
        "scope": " ".join(scopes),
        "authuser": "0",
        "hd": account.hd,
        "prompt": prompt,
    }
    return _redirect_to(auth.redirect_uri, params)


def _deny(auth: AuthRequest) -> Response:
    return _redirect_to(auth.redirect_uri, {"error": "access_denied", "state": auth.state})


@bp.get(AUTH_PATH)
def authorize() -> Response:
    """Validate an authorization request; answer at once if scripted, else show consent."""
    state = current_state()
    client_id = request.args.get("client_id", "")
    redirect_uri = request.args.get("redirect_uri", "")
    with state.lock:
        client = state.clients.get(client_id)
        if client is None:
            return error_page("invalid_client", "The OAuth client was not found.")
        if redirect_uri not in client.redirect_uris:
            return error_page(
                "redirect_uri_mismatch",
                "The redirect URI in the request does not match the ones authorized for "
                "the OAuth client.",
            )
        try:
            auth = _parse_request()
        except _RequestError as exc:
            params = {
                "error": exc.error,
                "error_description": exc.description,
                "state": request.args.get("state"),
            }
            return _redirect_to(redirect_uri, params)
        if state.pending_authorizations:
            scripted = state.pending_authorizations.pop(0)
            if scripted.mode == "deny":
                return _deny(auth)
            account = state.accounts.get(scripted.email or "")
            if account is None:
                return error_page("invalid_request", "The scripted account no longer exists.")
            allowed = None if scripted.scopes is None else normalize_scopes(scripted.scopes)
            return _approve(state, auth, account, allowed)
        if auth.prompt == "none":
            return _redirect_to(
                auth.redirect_uri, {"error": "interaction_required", "state": auth.state}
            )
        request_id = secrets.token_urlsafe(16)
        state.auth_requests[request_id] = auth
        accounts = sorted(state.accounts.values(), key=lambda a: a.email)
    html = render_template(
        "emulator/consent.html",
        request_id=request_id,
        client_id=auth.client_id,
        scopes=[s for s in auth.scopes if s not in SIGN_IN_SCOPES],
        sign_in_scopes=[s for s in auth.scopes if s in SIGN_IN_SCOPES],
        accounts=accounts,
        login_hint=auth.login_hint,
        action=AUTH_PATH,
    )
    return Response(html, content_type="text/html; charset=utf-8")


@bp.post(AUTH_PATH)
def consent() -> Response:
    """Complete the consent page: approve with the ticked scopes, or deny."""
    state = current_state()
    form = request.form
    with state.lock:
        auth = state.auth_requests.pop(form.get("request_id", ""), None)
        if auth is None:
            return error_page("invalid_request", "This consent page has expired; start again.")
        if form.get("decision") != "approve":
            return _deny(auth)
        email = form.get("account", "")
        if email == "__new__" or not email:
            email = form.get("new_email", "").strip()
            name = form.get("new_name", "").strip() or email.split("@")[0]
            if "@" not in email:
                state.auth_requests[form["request_id"]] = auth
                return error_page("invalid_request", "Enter an email address for the account.")
            account = state.accounts.get(email) or state.add_account(email, name, None)
        else:
            found = state.accounts.get(email)
            if found is None:
                return error_page("invalid_request", "Unknown account.")
            account = found
        ticked = [s for s in form.getlist("scope") if s in auth.scopes]
        return _approve(state, auth, account, ticked)
