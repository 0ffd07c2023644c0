"""A stateful local Google (OAuth 2.0/OIDC, Calendar v3, control plane) for dev and tests.

Start it with ``python -m kaleno.emulator``; drive it from tests with
``kaleno.emulator.testing.EmulatorServer``.
"""

from kaleno.emulator.app import create_emulator_app
from kaleno.emulator.state import Client, EmulatorState

__all__ = ["Client", "EmulatorState", "create_emulator_app"]
