"""Call counting and injected faults, keyed by discovery method id."""

from __future__ import annotations

import time

from kaleno.emulator.state import EmulatorState, Fault

OAUTH_METHODS = ("oauth2.token.code", "oauth2.token.refresh", "oauth2.revoke", "oauth2.certs")


def record_call(state: EmulatorState, method_id: str) -> Fault | None:
    """Count one call of ``method_id`` and consume the first pending fault for it, if any.

    Call with ``state.lock`` held; the caller sleeps (outside the lock) and answers.
    """
    state.calls[method_id] = state.calls.get(method_id, 0) + 1
    for fault in state.faults:
        if fault.method == method_id and fault.remaining > 0:
            fault.remaining -= 1
            if fault.remaining == 0:
                state.faults.remove(fault)
            return fault
    return None


def take_fault(state: EmulatorState, method_id: str) -> Fault | None:
    """Record the call under the lock, then sleep out the fault's delay without it."""
    with state.lock:
        fault = record_call(state, method_id)
    if fault is not None and fault.delay_ms > 0:
        time.sleep(fault.delay_ms / 1000)
    return fault
