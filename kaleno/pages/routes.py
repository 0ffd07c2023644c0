"""The customer pages' blueprint with every route attached (import this to register it)."""

from __future__ import annotations

from kaleno.pages import booking, manage  # noqa: F401 - attach their routes to ``bp``
from kaleno.pages.common import bp

__all__ = ["bp"]
