"""Sign in with Google: the whole redirect dance over real HTTP, and every rejection."""

from __future__ import annotations

import time
import urllib.parse

import pytest
from flask import Flask

from kaleno.emulator.keys import signing_key
from kaleno.extensions import db
from kaleno.models import OAuthAttempt, User, UserSession
from tests.auth.browser import Browser, query_of


def _users(app: Flask) -> list[User]:
    with app.app_context():
        return list(db.session.query(User).all())


def _session_count(app: Flask) -> int:
    with app.app_context():
        return db.session.query(UserSession).count()


def test_sign_in_asks_only_openid_email_profile_with_pkce(browser: Browser) -> None:
    params = query_of(browser.start("/auth/google/login"))
    assert params["scope"].split() == ["openid", "email", "profile"]
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 32
    assert len(params["nonce"]) >= 32
    assert params["redirect_uri"] == browser.base + "/auth/google/callback"
    assert "code_verifier" not in urllib.parse.unquote(browser.start("/auth/google/login"))


def test_sign_in_creates_user_keyed_by_sub_and_a_session(app: Flask, browser: Browser) -> None:
    sub = browser.sign_in("ana@example.com", "Ana Host")
    me = browser.me()
    assert me.status_code == 200
    body = me.json()
    assert body["email"] == "ana@example.com"
    assert body["email_verified"] is True
    assert body["name"] == "Ana Host"
    assert body["calendar"]["status"] == "not_connected"
    [user] = _users(app)
    assert user.google_sub == sub
    assert str(user.id) == body["id"]
    assert _session_count(app) == 1
    # The emulator saw one code exchange from our client, with PKCE.
    assert browser.google.state()["calls"].get("oauth2.token.code") == 1


def test_signing_in_again_reuses_the_user_and_rotates_the_session(
    app: Flask, browser: Browser
) -> None:
    browser.sign_in()
    first_cookie = browser.http.cookies.get("kaleno_session")
    browser.google.set_authorization("approve", "host@example.com", None)
    assert browser.dance("/auth/google/login").status_code == 302
    assert browser.http.cookies.get("kaleno_session") != first_cookie
    assert len(_users(app)) == 1
    assert _session_count(app) == 1  # the old session row is gone, not just forgotten


def test_next_redirects_only_to_same_origin_paths(browser: Browser) -> None:
    browser.google.add_account("host@example.com", "Host")
    for raw, expected in [
        ("/dashboard?tab=1", "/dashboard?tab=1"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
    ]:
        browser.google.set_authorization("approve", "host@example.com", None)
        response = browser.dance("/auth/google/login?next=" + urllib.parse.quote(raw))
        assert response.status_code == 302
        assert response.headers["Location"] == expected


def test_denied_consent_creates_nothing(app: Flask, browser: Browser) -> None:
    browser.google.add_account("host@example.com", "Host")
    browser.google.set_authorization("deny", "host@example.com", None)
    response = browser.dance("/auth/google/login")
    assert response.status_code == 403
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "urn:kaleno:problem:google-access-denied"
    assert _users(app) == []
    assert browser.me().status_code == 401


@pytest.mark.parametrize("tamper", ["missing", "mismatched"])
def test_bad_state_is_rejected_without_session(app: Flask, browser: Browser, tamper: str) -> None:
    browser.google.add_account("host@example.com", "Host")
    browser.google.set_authorization("approve", "host@example.com", None)
    callback = browser.at_google(browser.start("/auth/google/login"))
    params = query_of(callback)
    if tamper == "missing":
        params.pop("state")
    else:
        state = params["state"]
        params["state"] = ("y" if state[0] == "x" else "x") + state[1:]  # always differs
    response = browser.get("/auth/google/callback?" + urllib.parse.urlencode(params))
    assert response.status_code == 400
    assert "state" in response.json()["detail"]
    assert _users(app) == []
    assert browser.me().status_code == 401
    with app.app_context():
        assert db.session.query(OAuthAttempt).count() == 0  # the attempt is spent either way


def test_replayed_callback_is_rejected(app: Flask, browser: Browser) -> None:
    browser.google.add_account("host@example.com", "Host")
    browser.google.set_authorization("approve", "host@example.com", None)
    callback = browser.at_google(browser.start("/auth/google/login"))
    assert browser.get(callback).status_code == 302
    browser.http.cookies.clear()
    replay = browser.get(callback)
    assert replay.status_code == 400
    assert replay.headers["Content-Type"] == "application/problem+json"
    assert _session_count(app) == 1


def test_callback_from_another_browser_is_rejected(app: Flask, browser: Browser) -> None:
    browser.google.add_account("host@example.com", "Host")
    browser.google.set_authorization("approve", "host@example.com", None)
    callback = browser.at_google(browser.start("/auth/google/login"))
    stranger = Browser(app, browser.google)
    assert stranger.get(callback).status_code == 400
    assert _users(app) == []


def test_nonce_mismatch_is_rejected(app: Flask, browser: Browser) -> None:
    browser.google.add_account("host@example.com", "Host")
    browser.google.set_authorization("approve", "host@example.com", None)
    url = browser.start("/auth/google/login")
    params = query_of(url)
    params["nonce"] = "attacker-chosen-nonce"
    forged = url.split("?")[0] + "?" + urllib.parse.urlencode(params)
    response = browser.get(browser.at_google(forged))
    assert response.status_code == 400
    assert response.json()["detail"] == "The ID token was rejected: nonce mismatch."
    assert _users(app) == []


def test_hosted_domain_restriction(app: Flask, browser: Browser) -> None:
    app.config["ALLOWED_HOSTED_DOMAINS"] = ("corp.example",)
    try:
        browser.google.add_account("out@gmail.example", "Outsider")
        browser.google.set_authorization("approve", "out@gmail.example", None)
        assert browser.dance("/auth/google/login").status_code == 403
        browser.google.add_account("in@corp.example", "Insider", hd="corp.example")
        browser.google.set_authorization("approve", "in@corp.example", None)
        assert browser.dance("/auth/google/login").status_code == 302
        assert [u.email for u in _users(app)] == ["in@corp.example"]
    finally:
        app.config["ALLOWED_HOSTED_DOMAINS"] = ()


def test_logout_needs_csrf_and_ends_the_session_server_side(app: Flask, browser: Browser) -> None:
    browser.sign_in()
    assert browser.post("/auth/logout").status_code == 403
    assert browser.post("/auth/logout", headers={"X-CSRF-Token": "wrong"}).status_code == 403
    token = browser.csrf()
    assert browser.post("/auth/logout", headers={"X-CSRF-Token": token}).status_code == 204
    assert _session_count(app) == 0
    assert browser.me().status_code == 401


def test_cookie_flags(browser: Browser) -> None:
    browser.sign_in()
    login = next(h for h in browser.hops if "Set-Cookie" in h.headers and "/callback" in h.url)
    cookie = login.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


class TestIdTokenChecks:
    """id_token verification against the emulator's keys, case by case."""

    def _claims(self, app: Flask, **overrides: object) -> dict[str, object]:
        now = int(time.time())
        claims: dict[str, object] = {
            "iss": app.config["GOOGLE_EMULATOR_URL"],
            "aud": app.config["GOOGLE_CLIENT_ID"],
            "sub": "1234567890",
            "email": "x@example.com",
            "email_verified": True,
            "nonce": "n-1",
            "iat": now,
            "exp": now + 600,
        }
        claims.update(overrides)
        return claims

    def _verify(self, app: Flask, token: str) -> str:
        from kaleno.google.endpoints import current_endpoints
        from kaleno.google.errors import GoogleAuthFailed
        from kaleno.google.oauth import ClientCredentials, verify_identity

        client = ClientCredentials(app.config["GOOGLE_CLIENT_ID"], "unused")
        with app.app_context():
            try:
                return verify_identity(current_endpoints(), client, token, nonce="n-1").sub
            except GoogleAuthFailed as error:
                return error.detail

    def test_valid_token_passes(self, app: Flask) -> None:
        assert self._verify(app, signing_key().sign_jwt(self._claims(app))) == "1234567890"

    def test_wrong_audience(self, app: Flask) -> None:
        token = signing_key().sign_jwt(self._claims(app, aud="someone-else"))
        assert self._verify(app, token) == "The ID token was rejected: wrong audience."

    def test_wrong_issuer(self, app: Flask) -> None:
        token = signing_key().sign_jwt(self._claims(app, iss="https://evil.example"))
        assert self._verify(app, token) == "The ID token was rejected: wrong issuer."

    def test_expired(self, app: Flask) -> None:
        past = int(time.time()) - 7200
        token = signing_key().sign_jwt(self._claims(app, iat=past, exp=past + 600))
        assert self._verify(app, token) == "The ID token was rejected: expired."

    def test_bad_signature(self, app: Flask) -> None:
        header, _payload, signature = signing_key().sign_jwt(self._claims(app)).split(".")
        forged_payload = signing_key().sign_jwt(self._claims(app, sub="victim")).split(".")[1]
        token = f"{header}.{forged_payload}.{signature}"
        assert self._verify(app, token) == "The ID token was rejected: bad signature."
