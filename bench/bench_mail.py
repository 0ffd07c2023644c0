"""Mail delivery: commit-to-receipt latency under booking load; an SMTP outage loses nothing.

Run from the repository root (PostgreSQL reachable):

    .venv/bin/python bench/bench_mail.py [--clients 4] [--rate 4] [--seconds 30]
        [--outage 60] [--drain-timeout 300] [--workers 2] [--poll-interval 0.2]
        [--database-url URL]
        [--web-workers 4] [--web-threads 4]

One run: a database of its own migrated with ``flask db upgrade``, the Google emulator,
Kaleno under gunicorn and ``--workers`` ``flask kaleno worker`` processes, a host
connected through the real OAuth flow, and an SMTP server (aiosmtpd) in this process
that Kaleno delivers to (``KALENO_MAIL_URL=smtp://127.0.0.1:<port>``). Each booking
queues two mails in its own commit (the customer's confirmation, the host's notice).

1. steady: ``--clients`` threads book distinct slots for ``--seconds``, together
   ``--rate`` bookings a second (``--rate 0``: as fast as answered, which measures the
   backlog of a saturated worker rather than delivery); latency is from
   the mail job's row (written in the booking's commit) to the message's arrival at the
   SMTP server, for every mail of the phase.
2. outage: the SMTP server is stopped, the clients book for ``--outage`` seconds, the
   server comes back, and the outbox gets ``--drain-timeout`` seconds to deliver.

Checks (the verdict needs all): every immediate mail job (reminders wait for their time
and are left out) was delivered, none is pending or failed, and no Message-ID arrived
twice. Prints ``mail ...`` lines and one ``mail result ...`` line.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from aiosmtpd.controller import Controller
from loadgen import SLOT, booking_body
from stack import Stack, add_stack_arguments, free_port, percentile, running_stack, worker_command

MAIL_JOBS = (
    "SELECT payload->>'message_id', status, created_at FROM outbox_jobs "
    "WHERE kind = 'mail' AND NOT (payload->>'notice' = 'reminder')"
)


class Receiver:
    """What the SMTP server took: Message-ID and arrival time, in arrival order."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.arrivals: list[tuple[str, datetime]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        arrived = datetime.now(UTC)
        headers = envelope.content.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
        message_id = next(
            (
                line.split(":", 1)[1].strip()
                for line in headers.splitlines()
                if line.lower().startswith("message-id:")
            ),
            "",
        )
        with self.lock:
            self.arrivals.append((message_id, arrived))
        return "250 OK"


class SMTP:
    """The SMTP server on one port, stopped and started again for the outage."""

    def __init__(self) -> None:
        self.port = free_port()
        self.receiver = Receiver()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.receiver, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def client(
    stack: Stack, index: int, clients: int, first: datetime, deadline: float, rate: float
) -> list[int]:
    """POST bookings for slots index, index + clients, ... until the deadline, the clients
    together at ``rate`` bookings a second (0: as fast as they are answered)."""
    http = requests.Session()
    statuses: list[int] = []
    began = time.monotonic()
    for n in itertools.count():
        if rate > 0:
            time.sleep(max(0.0, began + (n * clients + index) / rate - time.monotonic()))
        if time.monotonic() >= deadline:
            break
        slot = index + clients * n
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        try:
            response = http.post(
                f"{stack.page}/bookings",
                json=booking_body(first + SLOT * slot, slot),
                headers=headers,
                timeout=60,
            )
            statuses.append(response.status_code)
        except requests.RequestException:
            statuses.append(0)
    http.close()
    return statuses


def book_for(
    stack: Stack, clients: int, seconds: float, first: datetime, rate: float
) -> tuple[Counter[int], datetime]:
    """Book for ``seconds``; the answers, and the first slot no client has used."""
    deadline = time.monotonic() + seconds
    with ThreadPoolExecutor(clients) as pool:
        futures = [
            pool.submit(client, stack, i, clients, first, deadline, rate) for i in range(clients)
        ]
        answers = [future.result() for future in futures]
    used = clients * max(len(statuses) for statuses in answers)
    return Counter(status for statuses in answers for status in statuses), first + SLOT * used


def mail_jobs(stack: Stack) -> dict[str, tuple[str, datetime]]:
    return {str(mid): (str(status), created) for mid, status, created in stack.sql(MAIL_JOBS)}


def drain(stack: Stack, timeout: float) -> float:
    """Wait until no immediate mail job is pending; return the seconds it took."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if not any(status == "pending" for status, _ in mail_jobs(stack).values()):
            break
        time.sleep(0.2)
    return time.monotonic() - began


def latency_line(phase: str, jobs: dict[str, tuple[str, datetime]], arrivals: list[Any]) -> None:
    seconds = sorted(
        (arrived - jobs[mid][1]).total_seconds() for mid, arrived in arrivals if mid in jobs
    )
    p50, p99 = percentile(seconds, 0.5), percentile(seconds, 0.99)
    print(
        f"mail latency phase={phase} mails={len(seconds)} p50_ms={p50 * 1000:.0f} "
        f"p99_ms={p99 * 1000:.0f} max_ms={(seconds[-1] if seconds else 0) * 1000:.0f}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_stack_arguments(parser)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--outage", type=float, default=60.0)
    parser.add_argument("--drain-timeout", type=float, default=300.0)
    parser.add_argument("--rate", type=float, default=4.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--poll-interval", type=float, default=0.2)
    args = parser.parse_args()
    print(
        f"# python={platform.python_version()} machine={platform.machine()} cpus={os.cpu_count()} "
        f"web_workers={args.web_workers} web_threads={args.web_threads} clients={args.clients} "
        f"seconds={args.seconds:g} outage_s={args.outage:g} rate_per_s={args.rate:g} "
        f"workers={args.workers} "
        f"poll_interval_s={args.poll_interval:g} load_avg_1m={os.getloadavg()[0]:.1f}",
        flush=True,
    )
    smtp = SMTP()
    smtp.start()
    first = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
    extra = {"KALENO_MAIL_URL": f"smtp://127.0.0.1:{smtp.port}"}
    try:
        with running_stack(args, extra_env=extra) as stack:
            for n in range(args.workers):
                stack.start(f"worker{n}", worker_command(args.poll_interval))
            steady, later = book_for(stack, args.clients, args.seconds, first, args.rate)
            drain(stack, args.drain_timeout)
            with smtp.receiver.lock:
                steady_arrivals = list(smtp.receiver.arrivals)
            print(f"mail bookings phase=steady {dict(sorted(steady.items()))}", flush=True)
            latency_line("steady", mail_jobs(stack), steady_arrivals)

            smtp.stop()
            down, _ = book_for(stack, args.clients, args.outage, later, args.rate)
            print(f"mail bookings phase=outage {dict(sorted(down.items()))}", flush=True)
            smtp.start()
            back = datetime.now(UTC)
            drain_s = drain(stack, args.drain_timeout)
            jobs = mail_jobs(stack)
            with smtp.receiver.lock:
                arrivals = list(smtp.receiver.arrivals)
            after = [(mid, at) for mid, at in arrivals[len(steady_arrivals) :]]
            since_back = sorted((at - back).total_seconds() for _, at in after)
            print(
                f"mail outage queued={len(after)} drained_s={drain_s:.1f} "
                f"after_smtp_back_p50_s={percentile(since_back, 0.5):.1f} "
                f"p99_s={percentile(since_back, 0.99):.1f}",
                flush=True,
            )
            return check(jobs, arrivals, steady + down, stack)
    finally:
        smtp.stop()


def check(
    jobs: dict[str, tuple[str, datetime]],
    arrivals: list[tuple[str, datetime]],
    statuses: Counter[int],
    stack: Stack,
) -> int:
    received = Counter(mid for mid, _ in arrivals)
    status_counts = Counter(status for status, _ in jobs.values())
    figures = {
        "bookings_201": statuses.get(201, 0),
        "mail_jobs": len(jobs),
        "delivered": sum(1 for mid in jobs if received[mid] > 0),
        "lost": sum(1 for mid in jobs if received[mid] == 0),
        "duplicated": sum(n - 1 for n in received.values() if n > 1),
        "unknown_received": sum(1 for mid in received if mid not in jobs),
        "jobs_pending": status_counts.get("pending", 0),
        "jobs_failed": status_counts.get("failed", 0),
        "answered_5xx": sum(n for s, n in statuses.items() if s >= 500 or s == 0),
        "dead_children": len(stack.dead_children()),
    }
    expected_mails = 2 * figures["bookings_201"]
    bad = [name for name in figures if name not in ("bookings_201", "mail_jobs", "delivered")]
    ok = all(figures[name] == 0 for name in bad) and figures["mail_jobs"] == expected_mails
    print(
        "mail result "
        + " ".join(f"{k}={v}" for k, v in figures.items())
        + f" expected_mail_jobs={expected_mails} verdict={'PASS' if ok else 'FAIL'}",
        flush=True,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
