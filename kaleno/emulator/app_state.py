"""Access to the emulator state bound to the running Flask app."""

from __future__ import annotations

from typing import cast

from flask import current_app

from kaleno.emulator.state import EmulatorState

EXTENSION_KEY = "kaleno_emulator"


def current_state() -> EmulatorState:
    """Return the state of the emulator app handling this request."""
    return cast(EmulatorState, current_app.extensions[EXTENSION_KEY])
