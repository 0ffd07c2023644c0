"""Webhooks under booking load: delivery latency, and nothing lost or doubled when the
receiver fails half the time.

Run from the repository root (PostgreSQL reachable):

    .venv/bin/python bench/bench_webhooks.py [--clients 8] [--seconds 20] [--workers 2]
        [--database-url URL] [--web-workers 4] [--web-threads 4]

One run: a database of its own migrated with ``flask db upgrade``, the Google emulator,
Kaleno under gunicorn and ``--workers`` ``flask kaleno worker`` processes, a host with an
open page and one webhook endpoint subscribed to every booking event. The receiver is an
HTTP server in this process that verifies every signature with ``standardwebhooks``.
``--clients`` threads each loop: book a slot, reschedule it (manage token), cancel it,
for ``--seconds``, in two phases:

- ``healthy``: the receiver answers 204;
- ``failing``: it answers 503 to a random half of the requests (seeded), so deliveries
  are retried; the retry schedule is shortened to 0.5, 1, 2, 4, 8, 8, 8 s
  (``KALENO_WEBHOOK_RETRY_SCHEDULE_S``; production keeps its 27.5 h) so the run drains in
  seconds, with the same 8 attempts.

Then the outbox drains. A delivery that failed all 8 attempts (expected: 1 in 256 under
a coin-flip receiver) is marked failed and shows in the delivery log; the script then
redelivers those as a host would (same ``webhook-id``) and drains again.

Latency is commit to receipt: from the delivery's outbox row (inserted in the booking's
transaction, just before its commit) to the moment the receiver accepted it.

Prints ``webhooks ...`` lines; the verdict needs 0 lost, 0 duplicated (by webhook-id and
by booking and event), every signature verified.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests
from loadgen import SLOT, booking_body
from stack import EMAIL, Stack, add_stack_arguments, percentile, running_stack, worker_command
from standardwebhooks import Webhook, WebhookVerificationError

from config import load_config
from kaleno import create_app

EVENTS = ["booking.created", "booking.rescheduled", "booking.cancelled"]
SHORT_SCHEDULE = "0.5,1,2,4,8,8,8"
SEED = 20261129


@dataclass
class Receiver:
    """Accepts verified deliveries (204) unless the coin says fail (503)."""

    secret: str = ""
    fail_ratio: float = 0.0
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    unverified: int = 0
    failed_on_purpose: int = 0
    accepted: list[tuple[str, str, str, float]] = field(
        default_factory=list
    )  # id, event, booking, t

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        received = time.time()
        try:
            message = Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError:
            with self.lock:
                self.requests += 1
                self.unverified += 1
            return 401
        with self.lock:
            self.requests += 1
            if self.rng.random() < self.fail_ratio:
                self.failed_on_purpose += 1
                return 503
            self.accepted.append(
                (headers["webhook-id"], message["type"], message["data"]["id"], received)
            )
        return 204


def serve(receiver: Receiver) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = receiver.answer({k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def subscribe(stack: Stack, url: str) -> tuple[str, str]:
    """Create the endpoint with the product's own service; return its id and secret."""
    from kaleno.extensions import db
    from kaleno.integrations.endpoints import create_endpoint
    from kaleno.models import User

    app = create_app(load_config(stack.env))
    with app.app_context():
        host = db.session.query(User).filter_by(email=EMAIL).one()
        endpoint, secret = create_endpoint(host, url, EVENTS, datetime.now(UTC))
        db.session.commit()
        endpoint_id = str(endpoint.id)
        db.session.remove()
        db.engine.dispose()
    return endpoint_id, secret


def redeliver_failed(stack: Stack) -> int:
    """Redeliver every failed delivery, as the host would from the delivery log."""
    from kaleno.extensions import db
    from kaleno.integrations.deliveries import redeliver
    from kaleno.models import User, WebhookDelivery

    app = create_app(load_config(stack.env))
    with app.app_context():
        host = db.session.query(User).filter_by(email=EMAIL).one()
        failed = db.session.query(WebhookDelivery).filter_by(status="failed").all()
        for row in failed:
            redeliver(host, row.endpoint_id, row.id, datetime.now(UTC))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return len(failed)


def client(
    stack: Stack, index: int, clients: int, first: datetime, deadline: float
) -> list[tuple[str, str]]:
    """Book, reschedule, cancel until the deadline; return (booking id, event) expected."""
    http = requests.Session()
    expected: list[tuple[str, str]] = []
    for n in range(10_000):
        if time.monotonic() >= deadline:
            break
        slot = index + clients * n
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        body = booking_body(first + SLOT * slot, slot)
        created = http.post(f"{stack.page}/bookings", json=body, headers=headers, timeout=60)
        if created.status_code != 201:
            continue
        booking = created.json()
        expected.append((booking["id"], "booking.created"))
        manage = {"Authorization": f"Bearer {booking['manage_token']}"}
        path = f"{stack.base}/api/bookings/{booking['id']}"
        later = (first + timedelta(days=10) + SLOT * slot).isoformat()
        moved = http.patch(path, json={"start": later}, headers=manage, timeout=60)
        if moved.status_code == 200:
            expected.append((booking["id"], "booking.rescheduled"))
        cancelled = http.post(f"{path}/cancel", json={}, headers=manage, timeout=60)
        if cancelled.status_code == 200:
            expected.append((booking["id"], "booking.cancelled"))
    http.close()
    return expected


def load(stack: Stack, clients: int, seconds: float, first: datetime) -> list[tuple[str, str]]:
    deadline = time.monotonic() + seconds
    with ThreadPoolExecutor(clients) as pool:
        futures = [pool.submit(client, stack, i, clients, first, deadline) for i in range(clients)]
        return [pair for future in futures for pair in future.result()]


def pending(stack: Stack) -> int:
    rows = stack.sql(
        "SELECT count(*) FROM outbox_jobs WHERE kind = 'webhook.deliver' AND status = 'pending'"
    )
    return int(rows[0][0])


def drain(stack: Stack, timeout: float) -> float:
    began = time.monotonic()
    while pending(stack) and time.monotonic() - began < timeout:
        time.sleep(0.25)
    return time.monotonic() - began


def committed_at(stack: Stack) -> dict[str, float]:
    """webhook-id -> when its first outbox row was inserted (just before the commit)."""
    rows = stack.sql(
        "SELECT payload, created_at FROM outbox_jobs WHERE kind = 'webhook.deliver' "
        "ORDER BY created_at"
    )
    found: dict[str, float] = {}
    for payload, created in rows:
        data = payload if isinstance(payload, dict) else json.loads(payload)
        webhook_id = "msg_" + uuid.UUID(data["delivery_id"]).hex
        found.setdefault(webhook_id, created.timestamp())
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_stack_arguments(parser)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--drain-timeout", type=float, default=180.0)
    args = parser.parse_args()
    print(
        f"# python={platform.python_version()} machine={platform.machine()} cpus={os.cpu_count()} "
        f"web_workers={args.web_workers} web_threads={args.web_threads} clients={args.clients} "
        f"seconds_per_phase={args.seconds:g} outbox_workers={args.workers} "
        f"retry_schedule_s={SHORT_SCHEDULE}",
        flush=True,
    )
    receiver = Receiver()
    server = serve(receiver)
    url = f"http://127.0.0.1:{server.server_port}/kaleno"
    extra = {"KALENO_WEBHOOK_RETRY_SCHEDULE_S": SHORT_SCHEDULE}
    first = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    try:
        with running_stack(args, extra_env=extra) as stack:
            _, receiver.secret = subscribe(stack, url)
            for n in range(args.workers):
                stack.start(f"worker{n}", worker_command(poll_interval=0.1))
            phases: dict[str, list[tuple[str, str]]] = {}
            marks: dict[str, int] = {}
            # Warm-up (gunicorn workers, outbox workers, connections), checked but not timed.
            for phase, ratio, offset in (
                ("warmup", 0.0, 40),
                ("healthy", 0.0, 0),
                ("failing", 0.5, 20),
            ):
                receiver.fail_ratio = ratio
                marks[phase] = len(receiver.accepted)
                seconds = min(3.0, args.seconds) if phase == "warmup" else args.seconds
                began = time.monotonic()
                phases[phase] = load(stack, args.clients, seconds, first + timedelta(days=offset))
                wall = time.monotonic() - began
                drain_s = drain(stack, args.drain_timeout)
                print(
                    f"webhooks phase={phase} seconds={wall:.1f} events={len(phases[phase])} "
                    f"events_per_s={len(phases[phase]) / wall:.1f} drain_s={drain_s:.1f}",
                    flush=True,
                )
            marked_failed = redeliver_failed(stack)
            drain(stack, args.drain_timeout)
            return check(stack, receiver, phases, marks, marked_failed)
    finally:
        server.shutdown()
        server.server_close()


def check(
    stack: Stack,
    receiver: Receiver,
    phases: dict[str, list[tuple[str, str]]],
    marks: dict[str, int],
    marked_failed: int,
) -> int:
    commits = committed_at(stack)
    accepted = list(receiver.accepted)
    by_id = Counter(webhook_id for webhook_id, _, _, _ in accepted)
    by_event = Counter((booking, event) for _, event, booking, _ in accepted)
    expected = {pair for pairs in phases.values() for pair in pairs}
    bounds = {"healthy": (marks["healthy"], marks["failing"]), "failing": (marks["failing"], None)}
    for phase, (start, end) in bounds.items():
        latencies = sorted(
            (received - commits[webhook_id]) * 1000
            for webhook_id, _, _, received in accepted[start:end]
            if webhook_id in commits
        )
        print(
            f"webhooks latency phase={phase} receipts={len(latencies)} "
            f"p50_ms={percentile(latencies, 0.50):.0f} p90_ms={percentile(latencies, 0.90):.0f} "
            f"p99_ms={percentile(latencies, 0.99):.0f} "
            f"max_ms={latencies[-1] if latencies else 0:.0f}",
            flush=True,
        )
    statuses = dict(stack.sql("SELECT status, count(*) FROM webhook_deliveries GROUP BY status"))
    attempts = int(stack.sql("SELECT count(*) FROM webhook_attempts")[0][0])
    figures = {
        "expected": len(expected),
        "deliveries_in_db": sum(int(n) for n in statuses.values()),
        "received": len(by_event),
        "lost": len(expected - set(by_event)),
        "duplicated_by_webhook_id": sum(1 for n in by_id.values() if n > 1),
        "duplicated_by_booking_event": sum(1 for n in by_event.values() if n > 1),
        "unexpected": len(set(by_event) - expected),
        "unverified": receiver.unverified,
        "requests": receiver.requests,
        "answered_503": receiver.failed_on_purpose,
        "attempts_logged": attempts,
        "marked_failed_then_redelivered": marked_failed,
        "still_pending": pending(stack),
        "dead_children": len(stack.dead_children()),
    }
    bad = (
        "lost",
        "duplicated_by_webhook_id",
        "duplicated_by_booking_event",
        "unexpected",
        "unverified",
        "still_pending",
        "dead_children",
    )
    ok = (
        all(figures[name] == 0 for name in bad)
        and figures["attempts_logged"] == figures["requests"]
    )
    print(
        "webhooks result "
        + " ".join(f"{k}={v}" for k, v in figures.items())
        + f" verdict={'PASS' if ok else 'FAIL'}",
        flush=True,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
