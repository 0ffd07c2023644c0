"""id_tokens from a Google clock slightly ahead are accepted; far ahead, refused."""

from __future__ import annotations

from flask import Flask

from kaleno.google.oauth import CLOCK_SKEW_MAX_S, CLOCK_SKEW_MIN_S, clock_skew_s
from tests.auth.browser import Browser

EMAIL = "host@example.com"


def _sign_in_with_google_clock_ahead(browser: Browser, seconds: int) -> int:
    browser.google.add_account(EMAIL, "Host Example")
    browser.google.settings(clock_offset_s=seconds)
    browser.google.set_authorization("approve", EMAIL, None)
    return browser.dance("/auth/google/login").status_code


def test_a_google_clock_20_seconds_ahead_still_signs_in(browser: Browser) -> None:
    """google-auth's default tolerance is 0 s: "Token used too early" before the fix."""
    assert _sign_in_with_google_clock_ahead(browser, 20) == 302
    assert browser.me().status_code == 200


def test_a_google_clock_10_minutes_ahead_is_refused(browser: Browser) -> None:
    assert _sign_in_with_google_clock_ahead(browser, 600) == 400
    assert "not yet valid" in browser.hops[-1].json()["detail"]
    assert browser.me().status_code == 401


def test_the_tolerance_is_bounded(app: Flask) -> None:
    with app.app_context():
        for configured, expected in ((0, CLOCK_SKEW_MIN_S), (3600, CLOCK_SKEW_MAX_S), (90, 90)):
            app.config["GOOGLE_CLOCK_SKEW_S"] = configured
            assert clock_skew_s() == expected
        app.config["GOOGLE_CLOCK_SKEW_S"] = 60
