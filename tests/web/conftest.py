"""Apps built with their own serving settings (limits, proxies, CORS, metrics token)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from config import load_config, new_token_key_entry
from kaleno import create_app
from tests.conftest import dispose, make_config

WebAppFactory = Callable[..., Flask]
STRONG_SECRET = "Kq8vT2pLm9zR4sW7yB1nXe5uJ3hG6dF0aQ2wE4rT6yU8iO"


def production_env(database_url: str, **overrides: str) -> dict[str, str]:
    """A complete, strong production environment with fake secrets."""
    env = {
        "KALENO_ENV": "production",
        "KALENO_DATABASE_URL": database_url,
        "KALENO_SECRET_KEY": STRONG_SECRET,
        "KALENO_TOKEN_KEYS": new_token_key_entry("k1"),
        "KALENO_GOOGLE_CLIENT_ID": "abc.apps.googleusercontent.com",
        "KALENO_GOOGLE_CLIENT_SECRET": "GOCSPX-realistic-secret-value",
        "KALENO_BASE_URL": "https://kaleno.example",
    }
    env.update(overrides)
    return env


@pytest.fixture
def web_app(app: Flask, database_url: str) -> Iterator[WebAppFactory]:
    """Build test-config apps on the session database with setting overrides; dispose them."""
    made: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        built = create_app(make_config(database_url, **overrides))
        made.append(built)
        return built

    yield build
    for built in made:
        dispose(built)


@pytest.fixture
def production_app(tmp_path: Path) -> Iterator[Flask]:
    """An app under the production config (SQLite file, fake strong secrets)."""
    built = create_app(load_config(production_env(f"sqlite:///{tmp_path / 'prod.sqlite3'}")))
    yield built
    dispose(built)


def assert_problem(response: TestResponse, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with ``status``; return its body."""
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.get_json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    return body
