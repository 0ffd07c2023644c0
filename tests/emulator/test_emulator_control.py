"""The control plane over plain HTTP, and the command line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from typing import Any

import pytest
import requests

from kaleno.emulator.testing import EmulatorError


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("accounts", {"name": "No Email"}, 400),
        ("accounts", {"email": "host@example.com", "name": "Again"}, 409),
        ("clients", {"client_id": "c", "client_secret": "s", "redirect_uris": []}, 400),
        ("authorization", {"mode": "maybe", "email": "host@example.com"}, 400),
        ("authorization", {"mode": "approve", "email": "ghost@example.com"}, 404),
        ("faults", {"method": "calendar.nope", "status": 500, "count": 1}, 400),
        ("faults", {"method": "calendar.events.insert", "status": 418, "count": 1}, 400),
        ("faults", {"method": "calendar.events.insert", "status": 500, "count": 0}, 400),
        ("settings", {"access_token_ttl_s": 0}, 400),
        ("settings", {"clock_offset_s": "ahead"}, 400),
        ("settings", {"conference_status": "later"}, 400),
        ("settings", {"conference_ready_after_s": -1}, 400),
        ("settings", {"refresh_token_on_repeat_consent": "yes"}, 400),
        ("faults", {"method": "oauth2.token.refresh", "status": 400, "reason": "nope"}, 400),
        ("faults", {"method": "oauth2.revoke", "status": 401, "reason": "invalid_client"}, 400),
        ("faults", {"method": "calendar.events.insert", "status": 403, "reason": "x"}, 400),
        ("events", {"email": "host@example.com", "event": {"id": "BAD"}}, 400),
    ],
)
def test_bad_control_input_is_a_json_400(
    kit: Any, path: str, body: dict[str, Any], status: int
) -> None:
    response = requests.post(f"{kit.url}/_emulator/{path}", json=body, timeout=10)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert isinstance(response.json()["error"], str)


def test_non_json_body_is_rejected(kit: Any) -> None:
    response = requests.post(f"{kit.url}/_emulator/accounts", data="email=x", timeout=10)
    assert response.status_code == 400


def test_helpers_raise_emulator_error(kit: Any) -> None:
    with pytest.raises(EmulatorError) as exc:
        kit.google.add_account(kit.host_email, "Duplicate")
    assert exc.value.status == 409


def test_state_reports_accounts_tokens_events_and_calls(calendar: Any, kit: Any) -> None:
    event = {"start": {"date": "2026-03-10"}, "end": {"date": "2026-03-11"}}
    kit.google.add_event(kit.host_email, "team@group.example", event)
    calendar.freebusy().query(
        body={"timeMin": "2026-03-10T00:00:00Z", "timeMax": "2026-03-11T00:00:00Z"}
    ).execute()

    state = kit.google.state()

    account = state["accounts"][0]
    assert account["email"] == kit.host_email
    assert account["calendars"] == [kit.host_email, "team@group.example"]
    assert [c["client_id"] for c in state["clients"]] == [kit.client_id]
    assert state["tokens"]["issued"] == 1
    assert state["tokens"]["access_tokens"][0]["email"] == kit.host_email
    assert state["tokens"]["access_tokens"][0]["origin"] == "code"
    assert len(state["tokens"]["refresh_tokens"]) == 1
    assert state["events"]["team@group.example"][0]["start"] == {"date": "2026-03-10"}
    assert state["calls"] == {"oauth2.token.code": 1, "calendar.freebusy.query": 1}
    assert state["settings"]["access_token_ttl_s"] == 3599


def test_secondary_calendar_busy_time_shows_in_freebusy(calendar: Any, kit: Any) -> None:
    event = {
        "start": {"dateTime": "2026-03-10T09:00:00", "timeZone": "Asia/Jakarta"},
        "end": {"dateTime": "2026-03-10T10:00:00", "timeZone": "Asia/Jakarta"},
    }
    kit.google.add_event(kit.host_email, "team@group.example", event)
    body = (
        calendar.freebusy()
        .query(
            body={
                "timeMin": "2026-03-10T00:00:00Z",
                "timeMax": "2026-03-11T00:00:00Z",
                "items": [{"id": "team@group.example"}, {"id": kit.host_email}],
            }
        )
        .execute()
    )
    assert body["calendars"]["team@group.example"]["busy"] == [
        {"start": "2026-03-10T02:00:00Z", "end": "2026-03-10T03:00:00Z"}
    ]
    assert body["calendars"][kit.host_email] == {"busy": []}


def test_reset_forgets_everything(kit: Any) -> None:
    kit.sign_in()
    kit.google.fault("calendar.events.insert", 500, count=5)
    kit.google.reset()
    state = kit.google.state()
    assert state["accounts"] == state["clients"] == state["faults"] == []
    assert state["tokens"]["access_tokens"] == []
    assert state["calls"] == {}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "KALENO_ENV"}
    return {**env, **extra}


def test_refuses_to_start_under_production() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kaleno.emulator", "--port", str(_free_port())],
        env=_environment(KALENO_ENV="production"),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "production" in result.stderr


def test_command_line_serves_with_preregistered_client() -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    client = "cli-client:cli-secret:http://localhost:5000/cb,http://localhost:5000/cb2"
    process = subprocess.Popen(
        [sys.executable, "-m", "kaleno.emulator", "--port", str(port), "--client", client],
        env=_environment(KALENO_ENV="development"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                document = requests.get(f"{base}/.well-known/openid-configuration", timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "emulator did not start"
                time.sleep(0.1)
        assert document.json()["issuer"] == base
        requests.post(f"{base}/_emulator/reset", timeout=5)
        clients = requests.get(f"{base}/_emulator/state", timeout=5).json()["clients"]
        assert clients == [
            {
                "client_id": "cli-client",
                "client_secret": "cli-secret",
                "redirect_uris": ["http://localhost:5000/cb", "http://localhost:5000/cb2"],
            }
        ]
    finally:
        process.terminate()
        process.wait(timeout=10)
