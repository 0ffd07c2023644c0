"""A real HTTP receiver that checks Standard Webhooks signatures, and helpers to wire a
connected host's page to it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from standardwebhooks import Webhook, WebhookVerificationError

from tests.auth.browser import Browser
from tests.bookings.conftest import Page, open_page


@dataclass
class Received:
    """One request that reached the receiver, as it arrived."""

    headers: dict[str, str]
    body: bytes
    answered: int
    verified: bool

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def message(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.body)
        return document


@dataclass
class Receiver:
    """Answers 2xx when the signature verifies with ``secrets`` (any of them) and no failure
    is scheduled; ``fail_next`` answers that many requests with ``fail_status`` first."""

    url: str = ""
    secrets: list[str] = field(default_factory=list)
    fail_next: int = 0
    fail_status: int = 503
    delay_s: float = 0.0
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        verified = False
        for secret in self.secrets:
            try:
                Webhook(secret).verify(body, headers)
                verified = True
            except WebhookVerificationError:
                continue
        with self.lock:
            if not verified:
                status = 401
            elif self.fail_next > 0:
                self.fail_next -= 1
                status = self.fail_status
            else:
                status = 204
            self.requests.append(Received(headers, body, status, verified))
        return status

    def accepted(self) -> list[Received]:
        """The requests answered 2xx: what the receiver's application processed."""
        with self.lock:
            return [r for r in self.requests if 200 <= r.answered < 300]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            if receiver.delay_s:
                time.sleep(receiver.delay_s)
            status = receiver.answer({k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            if 300 <= status < 400:  # a redirect Kaleno must not follow
                self.send_header("Location", receiver.url + "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on a free port of 127.0.0.1, in this test process."""
    state = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/hooks/kaleno"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def page(app: Flask, browser: Browser) -> Page:
    """Host signed in, calendar connected, open every day, one event type ``intro``."""
    host_id, event_type_id = open_page(app, browser)
    return Page(app, browser, browser.google, host_id, event_type_id)
