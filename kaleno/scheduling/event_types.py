"""``/api/event-types``: the signed-in host's bookable services."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response

from kaleno.api.spec import operation
from kaleno.auth.sessions import require_user
from kaleno.clock import current_time
from kaleno.scheduling.event_type_service import (
    archive_event_type,
    create_event_type,
    live_event_types,
    owned_event_type,
    update_event_type,
)
from kaleno.scheduling.event_type_shapes import (
    EventTypeIn,
    EventTypeList,
    EventTypeOut,
    EventTypePatch,
    column_values,
    event_type_document,
)

bp = Blueprint("event_types", __name__, url_prefix="/api/event-types")
TAGS = ("event types",)


@bp.get("")
@operation(
    "The host's event types (archived ones are left out).",
    tags=TAGS,
    auth="session",
    responses={200: EventTypeList, 401: None},
)
def list_event_types() -> dict[str, object]:
    """List the host's event types."""
    host = require_user()
    return {"event_types": [event_type_document(e) for e in live_event_types(host)]}


@bp.post("")
@operation(
    "Create an event type.",
    tags=TAGS,
    auth="session",
    body=EventTypeIn,
    responses={201: EventTypeOut, 400: None, 401: None, 403: None, 409: None},
)
def post_event_type(body: EventTypeIn) -> tuple[dict[str, object], int]:
    """Create an event type and show it."""
    host = require_user()
    values = {name: getattr(body, name) for name in EventTypeIn.model_fields}
    event_type = create_event_type(host, column_values(values))
    return event_type_document(event_type), 201


@bp.get("/<uuid:event_type_id>")
@operation(
    "One of the host's event types.",
    tags=TAGS,
    auth="session",
    responses={200: EventTypeOut, 401: None, 404: None},
)
def get_event_type(event_type_id: uuid.UUID) -> dict[str, object]:
    """Show one event type."""
    return event_type_document(owned_event_type(require_user(), event_type_id))


@bp.patch("/<uuid:event_type_id>")
@operation(
    "Change an event type; send only the fields to change.",
    tags=TAGS,
    auth="session",
    body=EventTypePatch,
    responses={200: EventTypeOut, 400: None, 401: None, 403: None, 404: None, 409: None},
)
def patch_event_type(event_type_id: uuid.UUID, body: EventTypePatch) -> dict[str, object]:
    """Change an event type and show it."""
    host = require_user()
    event_type = owned_event_type(host, event_type_id)
    update_event_type(host, event_type, column_values(body.changes()))
    return event_type_document(event_type)


@bp.delete("/<uuid:event_type_id>")
@operation(
    "Archive an event type: gone from lists and booking pages, kept for its bookings.",
    tags=TAGS,
    auth="session",
    responses={204: None, 401: None, 403: None, 404: None},
)
def delete_event_type(event_type_id: uuid.UUID) -> Response:
    """Archive an event type."""
    archive_event_type(owned_event_type(require_user(), event_type_id), current_time())
    return Response(status=204)
