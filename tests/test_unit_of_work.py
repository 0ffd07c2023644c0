"""Units of work are committed by entry points only (issue 12).

Every commit of the application goes through ``kaleno.unit_of_work``: the request's unit,
a CLI command's ``unit()``, or a step named in ``OWN_STEPS`` with the reason it must
commit on its own. A service calling ``commit()`` itself fails here, and so does a step
nobody named.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import Flask

from kaleno import unit_of_work
from kaleno.extensions import db
from kaleno.models import AuditEvent

PACKAGE = Path(unit_of_work.__file__).resolve().parent
HOME = Path(unit_of_work.__file__).resolve()


def _calls(name: str) -> list[tuple[Path, ast.Call]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "emulator" in path.parts:  # the emulator is Google's side, not Kaleno
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called == name:
                found.append((path, node))
    return found


def test_only_the_unit_of_work_commits() -> None:
    elsewhere = [
        f"{path.relative_to(PACKAGE.parent)}:{call.lineno}"
        for path, call in _calls("commit")
        if path != HOME
    ]
    assert elsewhere == []


def test_every_step_that_commits_on_its_own_is_named_with_its_reason() -> None:
    steps = _calls("commit_step") + _calls("commit_apart")
    assert len(steps) > 10, "the named steps are found"
    for path, call in steps:
        argument = call.args[0]
        assert isinstance(argument, ast.Constant), f"{path}:{call.lineno}"
        assert argument.value in unit_of_work.OWN_STEPS, f"{path}:{call.lineno}"


def test_a_step_nobody_named_cannot_commit(app: Flask) -> None:
    with app.app_context(), pytest.raises(ValueError):
        unit_of_work.commit_step("just because")


def test_a_cli_unit_commits_on_success_and_rolls_back_on_error(app: Flask) -> None:
    ran: list[str] = []
    with app.app_context():
        with unit_of_work.unit():
            db.session.add(AuditEvent(actor="operator", action="test.kept", details={}))
            unit_of_work.after_commit(lambda: ran.append("after kept"))
        with pytest.raises(RuntimeError), unit_of_work.unit():
            db.session.add(AuditEvent(actor="operator", action="test.dropped", details={}))
            unit_of_work.after_commit(lambda: ran.append("after dropped"))
            raise RuntimeError("the command failed")
        actions = {e.action for e in db.session.query(AuditEvent).all()}
    assert "test.kept" in actions and "test.dropped" not in actions
    assert ran == ["after kept"]
