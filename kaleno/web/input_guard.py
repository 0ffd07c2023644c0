"""Refuse NUL characters in the path, query string and form fields of every request.

PostgreSQL cannot store NUL in text, so a NUL that reached a query would fail there as
a 500; it is refused up front as a 400 problem instead (JSON bodies: ``kaleno.api.spec``).
"""

from __future__ import annotations

from flask import Flask, request

from kaleno.api.spec import refuse_nul_in
from kaleno.errors import ValidationProblem


def _check() -> None:
    if "\x00" in request.path:
        raise ValidationProblem(
            "Invalid path: it contains a NUL character",
            errors=[{"field": "path", "in": "path", "message": "NUL characters are refused"}],
        )
    refuse_nul_in(request.args.to_dict(flat=False), "query")
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        refuse_nul_in(request.form.to_dict(flat=False), "form")


def install(app: Flask) -> None:
    """Check every request before routing reaches a view."""
    app.before_request(_check)
