"""``/api/keys``: the host's API keys (session only: a key never manages keys)."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response

from kaleno.api.spec import operation
from kaleno.auth.api_keys import create_key, list_keys, revoke_key
from kaleno.auth.sessions import require_user
from kaleno.clock import current_time
from kaleno.integrations.schemas import ApiKeyCreated, ApiKeyIn, ApiKeyList, ApiKeyOut
from kaleno.models import ApiKey

bp = Blueprint("api_keys", __name__, url_prefix="/api/keys")
TAGS = ("api keys",)


def _key_out(row: ApiKey) -> ApiKeyOut:
    return ApiKeyOut(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        scopes=list(row.scopes),
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


@bp.get("")
@operation(
    "The host's API keys, revoked ones included (never the keys themselves).",
    tags=TAGS,
    auth="session",
    responses={200: ApiKeyList, 401: None, 403: None},
)
def get_keys() -> dict[str, object]:
    """List the host's keys."""
    return ApiKeyList(keys=[_key_out(k) for k in list_keys(require_user())]).model_dump(mode="json")


@bp.post("")
@operation(
    "Create an API key; the answer shows it (kal_…), once.",
    tags=TAGS,
    auth="session",
    body=ApiKeyIn,
    responses={201: ApiKeyCreated, 400: None, 401: None, 403: None},
)
def post_key(body: ApiKeyIn) -> tuple[dict[str, object], int]:
    """Create a key and show it."""
    row, key = create_key(require_user(), body.name, body.scopes, current_time())
    return ApiKeyCreated(**_key_out(row).model_dump(), key=key).model_dump(mode="json"), 201


@bp.delete("/<uuid:key_id>")
@operation(
    "Revoke an API key; it stops working with the next request.",
    tags=TAGS,
    auth="session",
    responses={204: None, 401: None, 403: None, 404: None},
)
def delete_key(key_id: uuid.UUID) -> Response:
    """Revoke a key."""
    revoke_key(require_user(), key_id, current_time())
    return Response(status=204)
