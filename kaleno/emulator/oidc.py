"""OIDC discovery, signing certificates and userinfo."""

from __future__ import annotations

from flask import Blueprint, Response, request

from kaleno.emulator.app_state import current_state
from kaleno.emulator.errors import REALM, json_response, oauth_fault, oauth_json
from kaleno.emulator.faults import take_fault
from kaleno.emulator.grants import userinfo
from kaleno.emulator.keys import signing_key

bp = Blueprint("emulator_oidc", __name__)


def base_url() -> str:
    """Return the emulator's own base URL (its issuer), without a trailing slash."""
    return request.url_root.rstrip("/")


@bp.get("/.well-known/openid-configuration")
def openid_configuration() -> Response:
    """Serve the discovery document with every endpoint on this emulator."""
    base = base_url()
    document = {
        "issuer": base,
        "authorization_endpoint": f"{base}/o/oauth2/v2/auth",
        "token_endpoint": f"{base}/token",
        "userinfo_endpoint": f"{base}/v1/userinfo",
        "revocation_endpoint": f"{base}/revoke",
        "jwks_uri": f"{base}/oauth2/v3/certs",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": [
            "aud",
            "email",
            "email_verified",
            "exp",
            "family_name",
            "given_name",
            "iat",
            "iss",
            "name",
            "picture",
            "sub",
        ],
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
    }
    return json_response(document, content_type="application/json; charset=utf-8")


def _certs_fault() -> Response | None:
    """An injected ``oauth2.certs`` fault (delay and/or error status), if one is due."""
    fault = take_fault(current_state(), "oauth2.certs")
    if fault is not None and fault.status != 200:
        return oauth_fault(fault.status)
    return None


@bp.get("/oauth2/v3/certs")
def jwks() -> Response:
    """Serve the signing key as a JWKS."""
    faulted = _certs_fault()
    if faulted is not None:
        return faulted
    return json_response(signing_key().jwks(), content_type="application/json; charset=UTF-8")


@bp.get("/oauth2/v1/certs")
def pem_certs() -> Response:
    """Serve ``{kid: PEM certificate}``, the form google.oauth2.id_token consumes."""
    faulted = _certs_fault()
    if faulted is not None:
        return faulted
    return json_response(signing_key().pem_certs(), content_type="application/json; charset=UTF-8")


@bp.route("/v1/userinfo", methods=["GET", "POST"])
def userinfo_endpoint() -> Response:
    """Return the signed-in user's claims for a live Bearer token."""
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else ""
    state = current_state()
    with state.lock:
        access = state.live_access_token(token) if token else None
        grant = state.grants[access.grant_id] if access is not None else None
        account = state.account_by_sub(grant.sub) if grant is not None else None
        body = userinfo(account, access.scopes) if account and access else None
    if body is None:
        response = oauth_json(
            {"error": "invalid_request", "error_description": "Invalid Credentials"}, 401
        )
        response.headers["WWW-Authenticate"] = f'{REALM}, error="invalid_token"'
        return response
    return json_response(body, content_type="application/json; charset=utf-8")
