"""The app factory and configuration checks."""

from __future__ import annotations

import subprocess
import sys

import pytest

from config import (
    ConfigError,
    DevelopmentConfig,
    load_config,
    new_token_key_entry,
    parse_token_keys,
)

STRONG = "x" * 20 + "Kq8vT2pLm9zR4sW7yB1n"


def _prod_env(**overrides: str) -> dict[str, str]:
    env = {
        "KALENO_ENV": "production",
        "KALENO_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        "KALENO_SECRET_KEY": STRONG + STRONG,
        "KALENO_TOKEN_KEYS": new_token_key_entry("k1"),
        "KALENO_GOOGLE_CLIENT_ID": "abc.apps.googleusercontent.com",
        "KALENO_GOOGLE_CLIENT_SECRET": "GOCSPX-realistic-secret-value",
        "KALENO_BASE_URL": "https://kaleno.example",
    }
    env.update(overrides)
    return env


def test_production_accepts_a_complete_environment() -> None:
    config = load_config(_prod_env())
    assert config.SESSION_COOKIE_NAME == "__Host-kaleno_session"
    assert config.SESSION_COOKIE_SECURE is True


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"KALENO_SECRET_KEY": ""}, "KALENO_SECRET_KEY"),
        ({"KALENO_SECRET_KEY": "changeme"}, "KALENO_SECRET_KEY"),
        ({"KALENO_SECRET_KEY": "short-but-not-listed"}, "KALENO_SECRET_KEY"),
        ({"KALENO_TOKEN_KEYS": ""}, "KALENO_TOKEN_KEYS"),
        ({"KALENO_TOKEN_KEYS": "k1:c2hvcnQ="}, "32 bytes"),
        ({"KALENO_TOKEN_KEYS": "k1:!!notbase64"}, "base64"),
        ({"KALENO_GOOGLE_CLIENT_ID": ""}, "KALENO_GOOGLE_CLIENT_ID"),
        ({"KALENO_GOOGLE_CLIENT_SECRET": ""}, "KALENO_GOOGLE_CLIENT_SECRET"),
        ({"KALENO_GOOGLE_EMULATOR_URL": "http://127.0.0.1:8765"}, "EMULATOR"),
    ],
)
def test_production_refuses_missing_or_weak_settings(
    overrides: dict[str, str], reason: str
) -> None:
    with pytest.raises(ConfigError, match=reason) as info:
        load_config(_prod_env(**overrides))
    assert "\n" not in str(info.value)


def test_unknown_environment_is_refused() -> None:
    with pytest.raises(ConfigError, match="KALENO_ENV"):
        load_config({"KALENO_ENV": "staging"})


def test_production_refusal_is_one_line_and_nonzero_exit() -> None:
    env = _prod_env(KALENO_SECRET_KEY="weak")
    proc = subprocess.run(
        [sys.executable, "-c", "import wsgi"], env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines() == [
        "kaleno: refusing to start: KALENO_SECRET_KEY is missing or weak (need 32+ random chars)"
    ]
    assert STRONG not in proc.stderr


def test_development_generates_and_reuses_throwaway_secrets(
    tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    import config as config_module

    monkeypatch.setattr(config_module, "INSTANCE_DIR", tmp_path)
    first = DevelopmentConfig({"KALENO_ENV": "development"})
    first.finalize()
    second = DevelopmentConfig({"KALENO_ENV": "development"})
    second.finalize()
    assert first.GENERATED_SECRETS is True
    assert len(first.SECRET_KEY) >= 32
    assert first.SECRET_KEY == second.SECRET_KEY
    assert list(first.TOKEN_KEYS) == ["dev1"]
    assert first.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
    assert first.SESSION_COOKIE_SECURE is False


def test_token_key_ring_keeps_order_and_rejects_duplicates() -> None:
    a, b = new_token_key_entry("a"), new_token_key_entry("b")
    assert list(parse_token_keys(f"{b},{a}")) == ["b", "a"]
    with pytest.raises(ConfigError, match="twice"):
        parse_token_keys(f"{a},{a}")
