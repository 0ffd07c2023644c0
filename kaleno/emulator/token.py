"""The token endpoint (authorization_code, refresh_token) and the revocation endpoint."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_plus

from flask import Blueprint, Response, request

from kaleno.emulator.app_state import current_state
from kaleno.emulator.errors import oauth_error, oauth_fault, oauth_json
from kaleno.emulator.faults import take_fault
from kaleno.emulator.grants import OAuthFailure, exchange_code, refresh, revoke
from kaleno.emulator.oidc import base_url
from kaleno.emulator.state import EmulatorState

bp = Blueprint("emulator_token", __name__)


def _client_credentials() -> tuple[str | None, str | None]:
    """Read client_id/client_secret from HTTP Basic (RFC 6749 2.3.1) or the form.

    Raises:
        OAuthFailure: invalid_request for a malformed Basic header.
    """
    header = request.headers.get("Authorization", "")
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise OAuthFailure("invalid_request", "Invalid authorization header.") from exc
        client_id, _, secret = decoded.partition(":")
        return unquote_plus(client_id), unquote_plus(secret)
    return request.form.get("client_id"), request.form.get("client_secret")


def _authenticate_client(state: EmulatorState) -> str:
    """Return the authenticated client id.

    Raises:
        OAuthFailure: invalid_request or invalid_client (401).
    """
    client_id, secret = _client_credentials()
    if not client_id:
        raise OAuthFailure("invalid_request", "Could not determine client ID from request.")
    client = state.clients.get(client_id)
    if client is None:
        raise OAuthFailure("invalid_client", "The OAuth client was not found.", 401)
    if not secret:
        raise OAuthFailure("invalid_request", "client_secret is missing.")
    if secret != client.client_secret:
        raise OAuthFailure("invalid_client", "Unauthorized", 401)
    return client_id


@bp.post("/token")
def token() -> Response:
    """Exchange an authorization code or a refresh token for tokens."""
    grant_type = request.form.get("grant_type")
    if not grant_type:
        return oauth_error("invalid_request", "Missing required parameter: grant_type")
    if grant_type not in ("authorization_code", "refresh_token"):
        return oauth_error("unsupported_grant_type", f"Invalid grant_type: {grant_type}")
    state = current_state()
    method_id = (
        "oauth2.token.code" if grant_type == "authorization_code" else "oauth2.token.refresh"
    )
    fault = take_fault(state, method_id)
    if fault is not None and fault.status != 200:
        if method_id == "oauth2.token.refresh" and fault.status == 400 and not fault.reason:
            return oauth_error("invalid_grant", "Token has been expired or revoked.")
        return oauth_fault(fault.status, fault.reason)
    issuer = base_url()
    try:
        with state.lock:
            client_id = _authenticate_client(state)
            if grant_type == "authorization_code":
                code = request.form.get("code")
                if not code:
                    raise OAuthFailure("invalid_request", "Missing required parameter: code")
                body = exchange_code(
                    state,
                    code,
                    client_id,
                    request.form.get("redirect_uri"),
                    request.form.get("code_verifier"),
                    issuer,
                )
            else:
                refresh_token = request.form.get("refresh_token")
                if not refresh_token:
                    raise OAuthFailure(
                        "invalid_request", "Missing required parameter: refresh_token"
                    )
                body = refresh(state, refresh_token, client_id, request.form.get("scope"), issuer)
    except OAuthFailure as failure:
        return oauth_error(failure.error, failure.description, failure.status)
    return oauth_json(body)


@bp.route("/revoke", methods=["GET", "POST"])
def revoke_endpoint() -> Response:
    """Revoke an access or refresh token, and with it the whole grant."""
    token_value = request.values.get("token", "")
    state = current_state()
    fault = take_fault(state, "oauth2.revoke")
    if fault is not None and fault.status != 200:
        return oauth_fault(fault.status)
    if not token_value:
        return oauth_error("invalid_request", "Missing required parameter: token")
    with state.lock:
        revoked = revoke(state, token_value)
    if not revoked:
        return oauth_error("invalid_token", "Token expired or revoked")
    return oauth_json({})
