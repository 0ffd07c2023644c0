"""Booking changes announced to other modules inside the transaction that makes them.

A listener (mail notices, webhooks …) adds its own rows, typically outbox jobs, to the
session; they are committed with the change or not at all. Listeners never commit and
never call out of the process: slow or failing work belongs in the outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from kaleno.models import Booking

ChangeKind = Literal["created", "rescheduled", "cancelled"]
Actor = Literal["host", "customer", "system"]


@dataclass(frozen=True)
class BookingChange:
    """What happened to a booking, who did it, and when.

    ``manage_token`` is set only on ``created`` (the one moment it exists in clear) and
    is kept out of ``repr``.
    """

    kind: ChangeKind
    booking: Booking
    actor: Actor
    now: datetime
    manage_token: str | None = field(default=None, repr=False)


Listener = Callable[[BookingChange], None]
_listeners: list[Listener] = []


def listen(listener: Listener) -> None:
    """Call ``listener`` on every booking change from now on (once per listener)."""
    if listener not in _listeners:
        _listeners.append(listener)


def announce(change: BookingChange) -> None:
    """Tell every listener about ``change``; call before the transaction commits."""
    for listener in _listeners:
        listener(change)
