"""OAuth 2.0 / OIDC through google-auth-oauthlib, google-auth and plain HTTP."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import requests
from google.auth.exceptions import RefreshError
from google.auth.transport.requests import Request
from google.oauth2 import id_token
from google.oauth2.credentials import Credentials
from oauthlib.oauth2.rfc6749.errors import InvalidGrantError


def _code(kit: Any, scopes: list[str] | None = None, **params: str) -> tuple[Any, str]:
    """Return (flow, code) after a scripted approval."""
    flow = kit.flow(scopes or kit.sign_in_scopes)
    kit.google.set_authorization("approve", kit.host_email, None)
    params.setdefault("access_type", "offline")
    url, _ = flow.authorization_url(**params)
    return flow, kit.query(kit.follow(url))["code"]


def _exchange(kit: Any, flow: Any, code: str, **overrides: Any) -> requests.Response:
    """POST the code to /token by hand (form client auth unless auth= is given)."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": kit.redirect_uri,
        "code_verifier": flow.code_verifier,
        "client_id": kit.client_id,
        "client_secret": kit.client_secret,
    }
    auth = overrides.pop("auth", None)
    form.update(overrides)
    form = {k: v for k, v in form.items() if v is not None}
    return requests.post(f"{kit.url}/token", data=form, auth=auth, timeout=10)


def _verify(kit: Any, token: str, audience: str | None = None) -> dict[str, Any]:
    claims: dict[str, Any] = id_token.verify_token(
        token,
        Request(),
        audience=audience or kit.client_id,
        certs_url=f"{kit.url}/oauth2/v1/certs",
    )
    return claims


def _refreshable(kit: Any, refresh_token: str) -> Credentials:
    return Credentials(
        token=None,
        refresh_token=refresh_token,
        token_uri=f"{kit.url}/token",
        client_id=kit.client_id,
        client_secret=kit.client_secret,
        scopes=[*kit.sign_in_scopes, kit.freebusy, kit.events_owned],
    )


def test_discovery_document_names_emulator_endpoints(kit: Any) -> None:
    document = requests.get(f"{kit.url}/.well-known/openid-configuration", timeout=10).json()
    assert document["issuer"] == kit.url
    assert document["authorization_endpoint"] == f"{kit.url}/o/oauth2/v2/auth"
    assert document["token_endpoint"] == f"{kit.url}/token"
    assert document["userinfo_endpoint"] == f"{kit.url}/v1/userinfo"
    assert document["revocation_endpoint"] == f"{kit.url}/revoke"
    jwks = requests.get(document["jwks_uri"], timeout=10).json()
    pems = requests.get(f"{kit.url}/oauth2/v1/certs", timeout=10).json()
    assert [key["kid"] for key in jwks["keys"]] == list(pems)
    assert next(iter(pems.values())).startswith("-----BEGIN CERTIFICATE-----")


def test_pkce_flow_returns_google_shaped_tokens(kit: Any) -> None:
    flow = kit.flow([*kit.sign_in_scopes, kit.freebusy])
    kit.google.set_authorization("approve", kit.host_email, None)
    url, state = flow.authorization_url(access_type="offline", prompt="consent")
    assert "code_challenge_method=S256" in url
    callback = kit.query(kit.follow(url))
    assert callback["state"] == state
    assert callback["code"].startswith("4/")
    assert callback["scope"].split() == ["openid", kit.email_scope, kit.profile_scope, kit.freebusy]
    assert callback["authuser"] == "0"
    assert callback["prompt"] == "consent"

    token = flow.fetch_token(code=callback["code"])

    assert token["access_token"].startswith("ya29.")
    assert token["refresh_token"].startswith("1//")
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 3599
    assert set(token["scope"]) == {"openid", kit.email_scope, kit.profile_scope, kit.freebusy}
    assert kit.google.state()["tokens"]["issued"] == 1


def test_id_token_verifies_with_google_auth_and_carries_claims(kit: Any) -> None:
    sub = kit.google.state()["accounts"][0]["sub"]
    flow, code = _code(kit, nonce="n-0394852")
    token = flow.fetch_token(code=code)

    claims = _verify(kit, token["id_token"])

    assert claims["iss"] == kit.url
    assert claims["aud"] == claims["azp"] == kit.client_id
    assert claims["sub"] == sub
    assert claims["email"] == kit.host_email
    assert claims["email_verified"] is True
    assert (claims["name"], claims["given_name"], claims["family_name"]) == (
        "Hana Host",
        "Hana",
        "Host",
    )
    assert claims["picture"].startswith("https://")
    assert claims["nonce"] == "n-0394852"
    assert claims["exp"] - claims["iat"] == 3600
    assert "hd" not in claims
    header = json.loads(base64.urlsafe_b64decode(token["id_token"].split(".")[0] + "=="))
    assert header["alg"] == "RS256"
    assert header["kid"] in requests.get(f"{kit.url}/oauth2/v1/certs", timeout=10).json()


def test_id_token_for_other_audience_is_rejected(kit: Any) -> None:
    flow, code = _code(kit)
    token = flow.fetch_token(code=code)
    with pytest.raises(ValueError, match="audience"):
        _verify(kit, token["id_token"], audience="someone-else.apps.googleusercontent.com")


def test_hosted_domain_account_gets_hd(kit: Any) -> None:
    kit.google.add_account("boss@corp.example", "Boss Person", hd="corp.example")
    flow = kit.flow(kit.sign_in_scopes)
    kit.google.set_authorization("approve", "boss@corp.example", None)
    url, _ = flow.authorization_url()
    callback = kit.follow(url)
    assert kit.query(callback)["hd"] == "corp.example"
    token = flow.fetch_token(authorization_response=callback)
    assert _verify(kit, token["id_token"])["hd"] == "corp.example"
    info = requests.get(
        f"{kit.url}/v1/userinfo",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=10,
    ).json()
    assert info["hd"] == "corp.example"
    assert info["email"] == "boss@corp.example"


def test_userinfo_answers_profile_and_rejects_bad_tokens(kit: Any) -> None:
    credentials = kit.sign_in()
    response = requests.get(
        f"{kit.url}/v1/userinfo",
        headers={"Authorization": f"Bearer {credentials.token}"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json() == {
        "sub": kit.google.state()["accounts"][0]["sub"],
        "name": "Hana Host",
        "given_name": "Hana",
        "family_name": "Host",
        "picture": response.json()["picture"],
        "email": kit.host_email,
        "email_verified": True,
    }
    bad = requests.get(
        f"{kit.url}/v1/userinfo", headers={"Authorization": "Bearer nope"}, timeout=10
    )
    assert bad.status_code == 401
    assert bad.json()["error"] == "invalid_request"


def test_wrong_pkce_verifier_is_invalid_grant(kit: Any) -> None:
    flow, code = _code(kit)
    response = _exchange(kit, flow, code, code_verifier="x" * 64)
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "Invalid code verifier.",
    }
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-cache, no-store, max-age=0, must-revalidate"
    assert response.headers["Pragma"] == "no-cache"
    assert response.headers["Expires"] == "Mon, 01 Jan 1990 00:00:00 GMT"


def test_missing_pkce_verifier_is_invalid_grant(kit: Any) -> None:
    flow, code = _code(kit)
    response = _exchange(kit, flow, code, code_verifier=None)
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "Missing code verifier.",
    }


def test_flow_with_tampered_verifier_raises(kit: Any) -> None:
    flow, code = _code(kit)
    flow.code_verifier = "y" * 64
    with pytest.raises(InvalidGrantError):
        flow.fetch_token(code=code)


def test_redirect_mismatch_shows_error_page_and_never_redirects(kit: Any) -> None:
    flow = kit.flow(kit.sign_in_scopes)
    flow.redirect_uri = "http://127.0.0.1:5000/evil"
    url, _ = flow.authorization_url()
    response = requests.get(url, allow_redirects=False, timeout=10)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "redirect_uri_mismatch" in response.text
    unknown = requests.get(
        f"{kit.url}/o/oauth2/v2/auth",
        params={"client_id": "nobody", "redirect_uri": kit.redirect_uri, "response_type": "code"},
        allow_redirects=False,
        timeout=10,
    )
    assert unknown.status_code == 400
    assert "invalid_client" in unknown.text


def test_token_redirect_uri_must_match_the_authorization_request(kit: Any) -> None:
    flow, code = _code(kit)
    response = _exchange(kit, flow, code, redirect_uri=kit.redirect_uri + "/other")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_code_reuse_is_invalid_grant_and_revokes_its_tokens(kit: Any) -> None:
    flow, code = _code(kit)
    first = _exchange(kit, flow, code)
    assert first.status_code == 200
    second = _exchange(kit, flow, code)
    assert second.status_code == 400
    assert second.json() == {"error": "invalid_grant", "error_description": "Bad Request"}
    access = first.json()["access_token"]
    userinfo = requests.get(
        f"{kit.url}/v1/userinfo", headers={"Authorization": f"Bearer {access}"}, timeout=10
    )
    assert userinfo.status_code == 401
    with pytest.raises(RefreshError, match="invalid_grant"):
        _refreshable(kit, first.json()["refresh_token"]).refresh(Request())
    assert kit.google.state()["tokens"]["revoked"] == 1


def test_client_auth_by_http_basic_and_by_form(kit: Any) -> None:
    flow, code = _code(kit)
    basic = _exchange(
        kit,
        flow,
        code,
        client_id=None,
        client_secret=None,
        auth=(kit.client_id, kit.client_secret),
    )
    assert basic.status_code == 200, basic.text
    flow, code = _code(kit)
    assert _exchange(kit, flow, code).status_code == 200

    flow, code = _code(kit)
    wrong = _exchange(kit, flow, code, client_secret="wrong")
    assert wrong.status_code == 401
    assert wrong.json() == {"error": "invalid_client", "error_description": "Unauthorized"}
    unknown = _exchange(kit, flow, code, client_id=None, client_secret=None, auth=("nobody", "x"))
    assert unknown.status_code == 401
    assert unknown.json()["error_description"] == "The OAuth client was not found."


def test_token_endpoint_request_errors(kit: Any) -> None:
    url = f"{kit.url}/token"
    auth = (kit.client_id, kit.client_secret)
    unsupported = requests.post(url, data={"grant_type": "password"}, auth=auth, timeout=10)
    assert unsupported.status_code == 400
    assert unsupported.json()["error"] == "unsupported_grant_type"
    missing = requests.post(url, data={"grant_type": "authorization_code"}, auth=auth, timeout=10)
    assert missing.json() == {
        "error": "invalid_request",
        "error_description": "Missing required parameter: code",
    }


def test_online_access_gets_no_refresh_token(kit: Any) -> None:
    flow, code = _code(kit, access_type="online")
    body = _exchange(kit, flow, code).json()
    assert "refresh_token" not in body
    assert list(body) == ["access_token", "expires_in", "scope", "token_type", "id_token"]


def test_plain_code_challenge_is_rejected(kit: Any) -> None:
    response = requests.get(
        f"{kit.url}/o/oauth2/v2/auth",
        params={
            "client_id": kit.client_id,
            "redirect_uri": kit.redirect_uri,
            "response_type": "code",
            "scope": "openid",
            "state": "s1",
            "code_challenge": "abc",
            "code_challenge_method": "plain",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302
    query = kit.query(response.headers["Location"])
    assert (query["error"], query["state"]) == ("invalid_request", "s1")


def test_partial_grant_returns_only_ticked_scopes(kit: Any) -> None:
    flow = kit.flow([kit.freebusy, kit.events_owned])
    kit.google.set_authorization("approve", kit.host_email, [kit.freebusy])
    url, _ = flow.authorization_url(access_type="offline")
    callback = kit.follow(url)
    assert kit.query(callback)["scope"] == kit.freebusy
    token = flow.fetch_token(authorization_response=callback)
    assert token["scope"] == [kit.freebusy]


def test_deny_redirects_access_denied_with_state(kit: Any) -> None:
    flow = kit.flow(kit.sign_in_scopes)
    kit.google.set_authorization("deny", kit.host_email, None)
    url, state = flow.authorization_url()
    assert kit.query(kit.follow(url)) == {"error": "access_denied", "state": state}


def test_include_granted_scopes_adds_earlier_grants(kit: Any) -> None:
    kit.sign_in(kit.sign_in_scopes)
    calendar_scopes = [kit.freebusy, kit.events_owned]
    incremental = kit.sign_in(calendar_scopes, include_granted_scopes="true")
    assert set(incremental.granted_scopes) == {
        "openid",
        kit.email_scope,
        kit.profile_scope,
        *calendar_scopes,
    }
    separate = kit.sign_in(calendar_scopes)
    assert set(separate.granted_scopes) == set(calendar_scopes)


def test_credentials_refresh_and_revocation(kit: Any) -> None:
    signed_in = kit.sign_in()
    credentials = _refreshable(kit, signed_in.refresh_token)
    credentials.refresh(Request())
    assert credentials.token.startswith("ya29.")
    assert credentials.token != signed_in.token
    assert credentials.id_token is not None
    assert kit.google.state()["tokens"]["refreshed"] == 1

    revoked = requests.post(f"{kit.url}/revoke", data={"token": signed_in.token}, timeout=10)
    assert (revoked.status_code, revoked.json()) == (200, {})
    with pytest.raises(RefreshError, match="invalid_grant"):
        credentials.refresh(Request())
    again = requests.post(
        f"{kit.url}/revoke", params={"token": signed_in.refresh_token}, timeout=10
    )
    assert again.status_code == 400
    assert again.json() == {
        "error": "invalid_token",
        "error_description": "Token expired or revoked",
    }
    assert kit.google.state()["tokens"]["revoked"] == 1


def test_refresh_fault_surfaces_invalid_grant(kit: Any) -> None:
    credentials = _refreshable(kit, kit.sign_in().refresh_token)
    kit.google.fault("oauth2.token.refresh", 400, count=1)
    with pytest.raises(RefreshError, match="invalid_grant"):
        credentials.refresh(Request())
    credentials.refresh(Request())  # the fault was used up
    assert kit.google.state()["calls"]["oauth2.token.refresh"] == 2


def test_consent_page_lets_a_person_pick_account_and_scopes(kit: Any) -> None:
    flow = kit.flow([*kit.sign_in_scopes, kit.freebusy])
    url, state = flow.authorization_url(access_type="offline", login_hint=kit.host_email)
    page = requests.get(url, timeout=10)
    assert page.status_code == 200
    # Sign-in scopes are consented together, only the others are ticked one by one
    # (developers.google.com/identity/protocols/oauth2/resources/granular-permissions).
    assert page.text.count('type="checkbox" name="scope"') == 1
    request_id = page.text.split('name="request_id" value="')[1].split('"')[0]
    form = {
        "request_id": request_id,
        "account": kit.host_email,
        "scope": [],
        "decision": "approve",
    }
    response = requests.post(
        f"{kit.url}/o/oauth2/v2/auth", data=form, allow_redirects=False, timeout=10
    )
    assert response.status_code == 302
    callback = kit.query(response.headers["Location"])
    assert callback["state"] == state
    assert callback["scope"] == f"openid {kit.email_scope} {kit.profile_scope}"


def test_consent_page_can_create_an_account_or_deny(kit: Any) -> None:
    flow = kit.flow(kit.sign_in_scopes)
    url, _ = flow.authorization_url()
    request_id = requests.get(url, timeout=10).text.split('name="request_id" value="')[1][:22]
    form = {
        "request_id": request_id,
        "account": "__new__",
        "new_email": "new@example.com",
        "new_name": "New Person",
        "scope": ["openid", kit.email_scope, kit.profile_scope],
        "decision": "approve",
    }
    response = requests.post(
        f"{kit.url}/o/oauth2/v2/auth", data=form, allow_redirects=False, timeout=10
    )
    assert "code" in kit.query(response.headers["Location"])
    assert "new@example.com" in [a["email"] for a in kit.google.state()["accounts"]]

    url, state = flow.authorization_url()
    request_id = requests.get(url, timeout=10).text.split('name="request_id" value="')[1][:22]
    denied = requests.post(
        f"{kit.url}/o/oauth2/v2/auth",
        data={"request_id": request_id, "decision": "deny"},
        allow_redirects=False,
        timeout=10,
    )
    assert kit.query(denied.headers["Location"]) == {"error": "access_denied", "state": state}
