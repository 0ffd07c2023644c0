"""Run the emulator in-process for tests and drive its control plane over HTTP.

Usage::

    with EmulatorServer() as google:
        google.add_client("client-1", "secret-1", ["http://localhost/cb"])
        sub = google.add_account("host@example.com", "Host Example")
        google.set_authorization("approve", "host@example.com", None)
        ...  # point the code under test at google.url
        assert google.state()["calls"]["calendar.events.insert"] == 1

Every helper is a plain HTTP call to ``/_emulator/...`` (so it behaves exactly like a
script driving ``python -m kaleno.emulator``) and raises ``EmulatorError`` when the
control plane rejects the input.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType
from typing import Any

import requests
from werkzeug.serving import BaseWSGIServer, make_server

from kaleno.emulator.app import create_emulator_app
from kaleno.emulator.state import EmulatorState

__all__ = ["EmulatorError", "EmulatorServer"]


class EmulatorError(RuntimeError):
    """The control plane answered with an error status."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"emulator control plane answered {status}: {body}")
        self.status = status
        self.body = body


class EmulatorServer:
    """The emulator on ``127.0.0.1`` (port 0 = any free port) in a daemon thread.

    Attributes:
        url: base URL without a trailing slash, e.g. ``http://127.0.0.1:53211``;
            the issuer, token endpoint is ``url + "/token"``, Calendar is
            ``url + "/calendar/v3/"``.
        emulator_state: the in-process ``EmulatorState`` (tests should prefer ``state()``).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator_state = EmulatorState()
        self._server: BaseWSGIServer = make_server(
            host, port, create_emulator_app(self.emulator_state), threaded=True
        )
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread: threading.Thread | None = None
        self._http = requests.Session()

    def start(self) -> EmulatorServer:
        """Start serving (idempotent)."""
        if self._thread is None:
            # werkzeug's request log would print query strings (codes, state).
            logging.getLogger("werkzeug").setLevel(logging.ERROR)
            self._thread = threading.Thread(
                target=self._server.serve_forever, name="kaleno-emulator", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()
        self._http.close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self._http.request(method, f"{self.url}/_emulator/{path}", json=body, timeout=10)
        payload = response.json()
        if response.status_code >= 400:
            raise EmulatorError(response.status_code, payload)
        return payload

    def reset(self) -> None:
        """Forget accounts, clients, tokens, events, faults, calls and settings."""
        self._control("POST", "reset")

    def add_client(self, client_id: str, secret: str, redirect_uris: list[str]) -> None:
        """Register an OAuth client with its exact redirect URIs."""
        body = {"client_id": client_id, "client_secret": secret, "redirect_uris": redirect_uris}
        self._control("POST", "clients", body)

    def add_account(
        self, email: str, name: str, hd: str | None = None, time_zone: str = "UTC"
    ) -> str:
        """Create a Google account with a primary calendar (id = email); return its ``sub``."""
        body = {"email": email, "name": name, "hd": hd, "timeZone": time_zone}
        return str(self._control("POST", "accounts", body)["sub"])

    def set_authorization(self, mode: str, email: str | None, scopes: list[str] | None) -> None:
        """Script the next authorization request: ``approve`` as ``email`` granting
        ``scopes`` (None = all requested) or ``deny``. Calls queue up in order."""
        self._control("POST", "authorization", {"mode": mode, "email": email, "scopes": scopes})

    def add_event(self, email: str, calendar_id: str, event: dict[str, Any]) -> dict[str, Any]:
        """Put an event in a calendar as if made in Google; return the stored Event."""
        body = {"email": email, "calendarId": calendar_id, "event": event}
        created: dict[str, Any] = self._control("POST", "events", body)
        return created

    def edit_event(
        self, email: str, event_id: str, patch: dict[str, Any], calendar_id: str = "primary"
    ) -> dict[str, Any]:
        """Change an event as its owner would in Google; return the stored Event."""
        body = {"email": email, "calendarId": calendar_id, "eventId": event_id, "patch": patch}
        changed: dict[str, Any] = self._control("PATCH", "events", body)
        return changed

    def delete_event(self, email: str, event_id: str, calendar_id: str = "primary") -> None:
        """Delete an event as its owner would in Google."""
        self._control(
            "DELETE", "events", {"email": email, "calendarId": calendar_id, "eventId": event_id}
        )

    def push_fault(self, mode: str, count: int = 1, delay_ms: int = 0) -> None:
        """Drop, duplicate or delay (``delay_ms``) the next ``count`` push notifications."""
        body = {"method": "calendar.push", "mode": mode, "count": count, "delay_ms": delay_ms}
        self._control("POST", "faults", body)

    def fault(
        self,
        method: str,
        status: int,
        count: int = 1,
        delay_ms: int = 0,
        reason: str | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``method`` (discovery id such as
        ``calendar.events.insert`` or ``oauth2.token.refresh``) answer ``status``,
        after ``delay_ms``. Status 200 only delays. ``reason`` picks the 403 variant."""
        body: dict[str, Any] = {"method": method, "status": status, "count": count}
        body["delay_ms"] = delay_ms
        if reason is not None:
            body["reason"] = reason
        self._control("POST", "faults", body)

    def settings(
        self,
        access_token_ttl_s: int | None = None,
        invalidate_sync_tokens: bool = False,
        **more: Any,
    ) -> dict[str, Any]:
        """Set the access-token lifetime for tokens issued from now on; optionally make
        every issued sync token stale (next incremental list answers 410). ``more`` takes
        the other settings: ``clock_offset_s``, ``conference_status``,
        ``conference_ready_after_s``, ``refresh_token_on_repeat_consent``, ``channel_ttl_s``."""
        body: dict[str, Any] = {"invalidate_sync_tokens": invalidate_sync_tokens, **more}
        if access_token_ttl_s is not None:
            body["access_token_ttl_s"] = access_token_ttl_s
        result: dict[str, Any] = self._control("POST", "settings", body)
        return result

    def state(self) -> dict[str, Any]:
        """Return ``GET /_emulator/state``: accounts, clients, tokens, events, calls…"""
        result: dict[str, Any] = self._control("GET", "state")
        return result
