"""Production refuses guessable secrets and a plain-HTTP base URL, each with one line."""

from __future__ import annotations

import base64

import pytest

from config import ConfigError, load_config, new_token_key_entry

GOOD = {
    "KALENO_ENV": "production",
    "KALENO_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "KALENO_SECRET_KEY": "Kq8vT2pLm9zR4sW7yB1nXe5uJ3hG6dF0aQ2wE4rT6yU8iO",
    "KALENO_TOKEN_KEYS": new_token_key_entry("k1"),
    "KALENO_GOOGLE_CLIENT_ID": "abc.apps.googleusercontent.com",
    "KALENO_GOOGLE_CLIENT_SECRET": "GOCSPX-realistic-secret-value",
    "KALENO_BASE_URL": "https://kaleno.example",
}
ZERO_KEY = "k1:" + base64.b64encode(bytes(32)).decode()


def test_a_strong_environment_starts() -> None:
    assert load_config(GOOD).BASE_URL == "https://kaleno.example"
    hex_key = {**GOOD, "KALENO_SECRET_KEY": "9f2c4e1ab37d08c6f5e2a9b4d71c3e80"}
    load_config(hex_key)  # 32 random hex characters are 128 bits: fine


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"KALENO_SECRET_KEY": "a" * 32}, "KALENO_SECRET_KEY"),
        ({"KALENO_SECRET_KEY": "changeme" * 4}, "KALENO_SECRET_KEY"),
        ({"KALENO_SECRET_KEY": "abab" * 16}, "KALENO_SECRET_KEY"),
        ({"KALENO_TOKEN_KEYS": ZERO_KEY}, "KALENO_TOKEN_KEYS"),
        ({"KALENO_TOKEN_KEYS": f"{new_token_key_entry('k2')},{ZERO_KEY}"}, "'k1'"),
        ({"KALENO_GOOGLE_CLIENT_SECRET": "x"}, "KALENO_GOOGLE_CLIENT_SECRET"),
        ({"KALENO_BASE_URL": "http://kaleno.example"}, "KALENO_BASE_URL"),
        ({"KALENO_BASE_URL": ""}, "KALENO_BASE_URL"),
        ({"KALENO_BASE_URL": "https://"}, "KALENO_BASE_URL"),
    ],
)
def test_production_refuses_guessable_settings(overrides: dict[str, str], reason: str) -> None:
    with pytest.raises(ConfigError, match=reason) as info:
        load_config({**GOOD, **overrides})
    message = str(info.value)
    assert "\n" not in message
    for secret in overrides.values():
        if len(secret) > 8:
            assert secret not in message  # the reason names the setting, never its value
