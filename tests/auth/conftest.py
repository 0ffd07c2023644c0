"""Fixtures for the browser-driven auth tests."""

from __future__ import annotations

import pytest
from flask import Flask

from kaleno.emulator.testing import EmulatorServer
from tests.auth.browser import Browser


@pytest.fixture
def browser(app: Flask, google: EmulatorServer) -> Browser:
    """A fresh browser with no cookies, pointed at the live app."""
    return Browser(app, google)
