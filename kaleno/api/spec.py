"""Validate requests with pydantic models and describe the same models in OpenAPI 3.1.

A view declares its input and output once with ``@operation(...)``; the decorator parses
and validates the JSON body and query string (400 problem with field errors otherwise)
and records the declaration, which ``kaleno.openapi`` turns into the document.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar, cast

from flask import current_app, request
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ValidationError

from kaleno.errors import MalformedJSON, ValidationProblem

P = ParamSpec("P")
R = TypeVar("R")
M = TypeVar("M", bound=BaseModel)

OPERATION_ATTR = "__kaleno_operation__"


@dataclass(frozen=True)
class Operation:
    """What a view accepts and answers, for validation and for the OpenAPI document."""

    summary: str
    tags: tuple[str, ...]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    responses: Mapping[int, type[BaseModel] | None] = field(default_factory=dict)
    auth: str | None = None  # "session", "session-or-manage-token" or None for public
    headers: Mapping[str, str] = field(default_factory=dict)  # request header -> description
    content_type: str = "application/json"


def field_errors(error: ValidationError, location: str) -> list[dict[str, str]]:
    """Turn pydantic errors into ``errors`` entries naming each field; never echo input."""
    entries = []
    for item in error.errors(include_input=False, include_url=False):
        path = ".".join(str(part) for part in item["loc"]) or location
        entries.append({"field": path, "in": location, "message": item["msg"]})
    return entries


def parse_model(model: type[M], data: Any, location: str) -> M:
    """Validate ``data`` against ``model``.

    Raises:
        ValidationProblem: 400 naming every offending field.
    """
    try:
        return model.model_validate(data)
    except ValidationError as error:
        errors = field_errors(error, location)
        fields = ", ".join(sorted({e["field"] for e in errors}))
        raise ValidationProblem(f"Invalid {location}: {fields}", errors=errors) from None


def json_body() -> Any:
    """Return the parsed JSON body.

    Raises:
        MalformedJSON: when the body is not JSON or not sent as application/json.
    """
    if not request.is_json:
        raise MalformedJSON("Send the body as application/json.")
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # "[[[[…" deeper than the parser's stack
        data = None
    if data is None:
        raise MalformedJSON("The request body is not valid JSON.")
    refuse_nul_in(data, "body")
    return data


def refuse_nul_in(data: Any, location: str) -> None:
    """Refuse NUL characters anywhere in ``data`` (PostgreSQL cannot store them in text).

    Raises:
        ValidationProblem: 400 naming where the NUL is.
    """
    pending: list[tuple[str, Any]] = [(location, data)]
    while pending:  # iterative: a nested body must not exhaust the stack here either
        path, value = pending.pop()
        if isinstance(value, str) and "\x00" in value:
            raise ValidationProblem(
                f"Invalid {location}: {path} contains a NUL character",
                errors=[{"field": path, "in": location, "message": "NUL characters are refused"}],
            )
        if isinstance(value, dict):
            for key, item in value.items():
                named = f"{path}.{key}" if path != location else str(key)
                pending += [(named, key), (named, item)]
        elif isinstance(value, list):
            pending += [(f"{path}.{index}", item) for index, item in enumerate(value)]


def operation(
    summary: str,
    *,
    tags: tuple[str, ...] = (),
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    responses: Mapping[int, type[BaseModel] | None] | None = None,
    auth: str | None = None,
    headers: Mapping[str, str] | None = None,
    content_type: str = "application/json",
) -> Callable[[Callable[P, Any]], Callable[P, ResponseReturnValue]]:
    """Declare a view's contract; validated ``body``/``query`` arrive as keyword arguments,
    and a model answer is serialized through the model declared for its status."""
    spec = Operation(
        summary=summary,
        tags=tags,
        body=body,
        query=query,
        responses=dict(responses or {}),
        auth=auth,
        headers=dict(headers or {}),
        content_type=content_type,
    )

    def decorate(view: Callable[P, Any]) -> Callable[P, ResponseReturnValue]:
        @functools.wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
            if spec.query is not None:
                kwargs["query"] = parse_model(spec.query, request.args.to_dict(), "query")
            if spec.body is not None:
                kwargs["body"] = parse_model(spec.body, json_body(), "body")
            return serialized(spec, view(*args, **kwargs))

        setattr(wrapper, OPERATION_ATTR, spec)
        return wrapper

    return decorate


def serialized(spec: Operation, result: Any) -> ResponseReturnValue:
    """Serialize a view's answer through the model declared for its status.

    A view answers ``body``, ``(body, status)`` or ``(body, status, headers)``. A model
    body must be the one declared for that status (so the OpenAPI document cannot drift
    from what is sent); a dict body is read into that model (a key it does not declare,
    or a missing field, is an error) and sent with the keys it has. Either way it is
    dumped in JSON mode (datetimes RFC 3339). Other answers pass through unchanged.
    """
    parts = result if isinstance(result, tuple) else (result,)
    body = parts[0]
    status = parts[1] if len(parts) > 1 else 200
    headers = parts[2] if len(parts) > 2 else None
    declared = spec.responses.get(int(status)) if isinstance(status, int) else None
    only_set = isinstance(body, dict)
    if isinstance(body, dict) and declared is not None:
        body = _as_declared(declared, body)
    if not isinstance(body, BaseModel):
        return cast(ResponseReturnValue, result)
    if declared is None or type(body) is not declared:
        raise TypeError(f"{type(body).__name__} is not the model declared for {status}")
    return current_app.response_class(
        body.model_dump_json(exclude_unset=only_set),
        status=int(status),
        headers=headers,
        mimetype="application/json",
    )


def _as_declared(declared: type[BaseModel], body: dict[str, Any]) -> BaseModel:
    """A view's dict answer read into its declared model; a key the model does not declare
    is drift between the document and the answer, and an error."""
    undeclared = set(body) - set(declared.model_fields)
    if undeclared:
        raise TypeError(f"{sorted(undeclared)} not declared in {declared.__name__}")
    return declared.model_validate(body)


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]] | None = None
