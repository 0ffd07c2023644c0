"""Build the emulator's Flask app (separate from Kaleno's own app)."""

from __future__ import annotations

from flask import Flask

from kaleno.emulator import authorize, calendar_api, control, control_events, oidc, token
from kaleno.emulator.app_state import EXTENSION_KEY
from kaleno.emulator.keys import signing_key
from kaleno.emulator.state import EmulatorState


def create_emulator_app(state: EmulatorState | None = None) -> Flask:
    """Create the emulator app around ``state`` (a fresh one when not given)."""
    app = Flask(__name__)
    app.extensions[EXTENSION_KEY] = state if state is not None else EmulatorState()
    for blueprint in (
        oidc.bp,
        authorize.bp,
        token.bp,
        calendar_api.bp,
        control.bp,
        control_events.bp,
    ):
        app.register_blueprint(blueprint)
    signing_key()  # generate the key now rather than inside the first request
    return app
