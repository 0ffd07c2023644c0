"""Liveness, readiness and the API's own description."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, render_template
from pydantic import BaseModel
from sqlalchemy import text

from kaleno.api.spec import operation
from kaleno.errors import ServiceUnavailable
from kaleno.extensions import db
from kaleno.openapi import build_openapi

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


class Health(BaseModel):
    """Process or dependency status."""

    status: str


@bp.get("/healthz")
@operation("Report that the process is alive.", tags=("operations",), responses={200: Health})
def healthz() -> dict[str, str]:
    """Report that the process answers."""
    return {"status": "ok"}


@bp.get("/readyz")
@operation(
    "Report whether the database answers.", tags=("operations",), responses={200: Health, 503: None}
)
def readyz() -> dict[str, str]:
    """Report ready only when the database answers a query.

    Raises:
        ServiceUnavailable: 503 when the database cannot be reached.
    """
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        log.warning("readiness check: database unreachable")
        raise ServiceUnavailable("The database does not answer.") from None
    return {"status": "ok"}


@bp.get("/openapi.json")
@operation("This OpenAPI 3.1 document.", tags=("operations",), responses={200: None})
def openapi_document() -> dict[str, Any]:
    """Serve the OpenAPI 3.1 document."""
    document: dict[str, Any] = current_app.extensions.setdefault("kaleno_openapi", {})
    if not document:
        document.update(build_openapi(current_app))
    return document


@bp.get("/docs")
@operation(
    "The API reference as HTML.",
    tags=("operations",),
    responses={200: None},
    content_type="text/html",
)
def docs() -> str:
    """Render the API reference from the OpenAPI document, without scripts."""
    return render_template("docs.html", spec=openapi_document())
