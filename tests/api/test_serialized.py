"""Every JSON answer of an operation goes through the model it declares for its status.

A view may answer a model or a plain dict; either way the declared model reads it, so a
key the OpenAPI document does not declare, or a missing one, is an error and not a silent
drift between the document and what clients get; timestamps come out RFC 3339.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from pydantic import BaseModel

from kaleno.api.spec import operation


class Stamp(BaseModel):
    at: datetime
    label: str


def _app_answering(answer: Any) -> Flask:
    app = Flask(__name__)

    @app.get("/stamp")
    @operation("A stamp.", responses={200: Stamp})
    def stamp() -> Any:
        return answer

    return app


def test_a_dict_answer_is_serialized_through_its_declared_model() -> None:
    moment = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    response = _app_answering({"at": moment, "label": "x"}).test_client().get("/stamp")
    assert response.status_code == 200
    assert response.get_json() == {"at": "2026-11-22T10:00:00Z", "label": "x"}


@pytest.mark.parametrize(
    "answer",
    [
        {"at": "2026-11-22T10:00:00Z", "label": "x", "secret": "not declared"},
        {"label": "missing its timestamp"},
    ],
)
def test_an_answer_that_drifts_from_its_declared_model_is_refused(answer: Any) -> None:
    app = _app_answering(answer)
    app.testing = True
    with pytest.raises(Exception) as caught:
        app.test_client().get("/stamp")
    assert type(caught.value).__name__ in {"TypeError", "ValidationError"}
