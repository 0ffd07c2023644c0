"""Build the OpenAPI 3.1 document from the routes' ``@operation`` declarations."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from kaleno.api.spec import OPERATION_ATTR, Operation, Problem
from kaleno.auth.scopes import SCOPES, required_scope
from kaleno.web.limits import group_for

_CONVERTER = re.compile(r"<(?:(?P<conv>[a-z]+):)?(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>")
_STATUS_TEXT = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    302: "Redirect",
    400: "Invalid request",
    401: "Not signed in",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    413: "Body too large",
    422: "Unprocessable",
    429: "Too many requests",
    503: "Unavailable",
}
_SECURITY: dict[str, list[dict[str, list[str]]]] = {
    "session": [{"session": []}],
    "manage-token": [{"manageToken": []}],
    "session-or-manage-token": [{"session": []}, {"manageToken": []}],
}
_UNSAFE = frozenset({"post", "put", "patch", "delete"})
_PARAM_SCHEMA = {"int": {"type": "integer"}, "uuid": {"type": "string", "format": "uuid"}}


def _path_and_params(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params = []
    for match in _CONVERTER.finditer(rule):
        schema = _PARAM_SCHEMA.get(match.group("conv") or "", {"type": "string"})
        params.append(
            {"name": match.group("name"), "in": "path", "required": True, "schema": schema}
        )
    return _CONVERTER.sub(lambda m: "{" + m.group("name") + "}", rule), params


def _query_params(model: type[BaseModel], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def build_openapi(app: Flask) -> dict[str, Any]:
    """Return the OpenAPI 3.1 document describing every declared route."""
    operations: list[tuple[str, str, Operation]] = []
    models: set[type[BaseModel]] = {Problem}
    for rule in app.url_map.iter_rules():
        spec: Operation | None = getattr(app.view_functions[rule.endpoint], OPERATION_ATTR, None)
        if spec is None:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operations.append((rule.rule, method.lower(), spec))
        models.update(m for m in (spec.body, *spec.responses.values()) if m is not None)

    ordered = sorted(models, key=lambda m: m.__name__)
    _, top = models_json_schema(
        [(m, "serialization") for m in ordered], ref_template="#/components/schemas/{model}"
    )
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    paths: dict[str, dict[str, Any]] = {}
    for rule_text, method, spec in sorted(operations, key=lambda item: (item[0], item[1])):
        path, parameters = _path_and_params(rule_text)
        if spec.query is not None:
            parameters += _query_params(spec.query, schemas)
        parameters += [
            {
                "name": name,
                "in": "header",
                "required": False,
                "description": description,
                "schema": {"type": "string"},
            }
            for name, description in spec.headers.items()
        ]
        op: dict[str, Any] = {
            "summary": spec.summary,
            "operationId": f"{method}_{re.sub(r'[^a-zA-Z0-9]+', '_', path).strip('_')}",
            "tags": list(spec.tags),
            "parameters": parameters,
            "responses": _responses(spec, rule_text, method),
        }
        if spec.body is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _ref(spec.body)}},
            }
        if spec.auth:
            op["security"] = _security(spec, rule_text, method)
        paths.setdefault(path, {})[method] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kaleno API",
            "version": "1",
            "description": "Booking on Google Calendar.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": app.config["SESSION_COOKIE_NAME"],
                },
                "manageToken": {"type": "http", "scheme": "bearer"},
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "kal_…",
                    "description": "A host's API key (POST /api/keys), sent as "
                    "`Authorization: Bearer kal_…`; no CSRF token. Each operation names the "
                    f"scope it needs, one of {', '.join(SCOPES)}. Requests count against "
                    "the key's own rate limit (429 with Retry-After).",
                },
            },
        },
    }


def _security(spec: Operation, rule: str, method: str) -> list[dict[str, list[str]]]:
    """The operation's credentials; host routes a key may use list it with its scope."""
    assert spec.auth is not None
    security = list(_SECURITY[spec.auth])
    scope = required_scope(rule, method.upper())
    if scope is not None and spec.auth in ("session", "session-or-manage-token"):
        security.append({"apiKey": [scope]})
    return security


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _responses(spec: Operation, rule: str, method: str) -> dict[str, Any]:
    """The declared responses plus the errors every operation of its kind can answer."""
    responses: dict[str, Any] = {}
    declared = dict(spec.responses)
    declared.setdefault(500, None)
    if spec.body is not None or spec.query is not None:
        declared.setdefault(400, None)
    if spec.body is not None:
        declared.setdefault(413, None)  # MAX_CONTENT_LENGTH
    if spec.auth in ("session", "session-or-manage-token"):
        declared.setdefault(401, None)
        if method in _UNSAFE:
            declared.setdefault(403, None)  # CSRF
    if group_for(rule, method.upper()) is not None:
        declared.setdefault(429, None)
    if spec.auth in ("session", "session-or-manage-token") and required_scope(rule, method.upper()):
        declared.setdefault(403, None)  # the key lacks the scope
        declared.setdefault(429, None)  # the key's own limit
    for status, model in sorted(declared.items()):
        entry: dict[str, Any] = {"description": _STATUS_TEXT.get(status, "Error")}
        if status >= 400:
            entry["content"] = {"application/problem+json": {"schema": _ref(Problem)}}
        elif model is not None:
            entry["content"] = {spec.content_type: {"schema": _ref(model)}}
        responses[str(status)] = entry
    return responses
