"""Benchmark booking throughput on PostgreSQL under concurrency, and Google calls per booking.

Run from the repository root (PostgreSQL reachable, e.g. the CI/dev one):

    .venv/bin/python bench/bench_bookings.py [--database-url URL] [--bookings 400]
        [--clients 16] [--web-workers 4] [--web-threads 4] [--contended 200] [--slots 5]

One run: a fresh PostgreSQL schema migrated by the real migrations; the Google emulator
(``python -m kaleno.emulator``) and Kaleno under gunicorn (``gunicorn.conf.py``, gthread
workers) as separate processes; a host signed in and connected through the real OAuth
flow; a page open around the clock (30-minute Meet calls on a 30-minute grid). Then:

- ``distinct``: ``--clients`` threads POST ``--bookings`` bookings, each for its own slot,
  every request with its own ``Idempotency-Key`` (fresh free/busy check, the insert with
  its outbox row, the inline Google insert, the final answer);
- ``contended``: ``--contended`` requests fired at once at ``--slots`` slots (every one
  wanted by many): exactly ``--slots`` must win, the rest answer 409.

Afterwards it checks the database (no overlapping active bookings, every booking synced)
and the emulator (one event per booking) and reads the emulator's call counts: Google
calls per booking (the target is one ``freeBusy`` and one ``events.insert``).

Prints ``key=value`` lines.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config import load_config, new_token_key_entry  # noqa: E402
from kaleno import create_app  # noqa: E402

EMAIL = "bench-host@example.com"
CLIENT_ID = "kaleno-bench.apps.googleusercontent.com"
CLIENT_SECRET = "kaleno-bench-" + secrets.token_hex(8)
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def schema_url(base_url: str, schema: str) -> str:
    parts = urllib.parse.urlsplit(base_url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    query["options"] = f"-csearch_path={schema},public"
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


@contextmanager
def fresh_schema(base_url: str) -> Iterator[str]:
    schema = f"kbench_{secrets.token_hex(5)}"
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema_url(base_url, schema)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            time.sleep(0.1)
    raise SystemExit(f"bench: {url} did not come up")


@contextmanager
def process(args: list[str], env: dict[str, str], ready_url: str) -> Iterator[None]:
    proc = subprocess.Popen(
        args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for(ready_url)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def environment(
    database_url: str, base: str, emulator: str, args: argparse.Namespace
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        KALENO_ENV="development",
        KALENO_DATABASE_URL=database_url,
        KALENO_SECRET_KEY=secrets.token_urlsafe(48),
        KALENO_TOKEN_KEYS=new_token_key_entry("bench1"),
        KALENO_GOOGLE_CLIENT_ID=CLIENT_ID,
        KALENO_GOOGLE_CLIENT_SECRET=CLIENT_SECRET,
        KALENO_GOOGLE_EMULATOR_URL=emulator,
        KALENO_BASE_URL=base,
        KALENO_LOG_LEVEL="WARNING",
        KALENO_RATE_LIMIT_BOOKING="1000000/minute",
        KALENO_RATE_LIMIT_SIGNIN="1000000/minute",
        KALENO_BIND=base.removeprefix("http://"),
        KALENO_WEB_WORKERS=str(args.web_workers),
        KALENO_WEB_THREADS=str(args.web_threads),
    )
    return env


def connect_host(base: str, emulator: str) -> requests.Session:
    """Sign the host in and connect the calendar through the real OAuth redirects."""
    control = f"{emulator}/_emulator"
    requests.post(f"{control}/accounts", json={"email": EMAIL, "name": "Bench Host"}, timeout=10)
    browser = requests.Session()
    for path in ("/auth/google/login", "/auth/google/calendar"):
        body = {"mode": "approve", "email": EMAIL, "scopes": None}
        requests.post(f"{control}/authorization", json=body, timeout=10)
        browser.get(base + path, timeout=10)
    status = browser.get(f"{base}/api/calendar", timeout=10).json()
    assert status["connected"], status
    return browser


def open_page(env: dict[str, str]) -> None:
    """Publish the host's page: slug, zone, hours around the clock, one event type."""
    from kaleno.extensions import db
    from kaleno.models import AvailabilityRules, EventType, User

    app = create_app(load_config(env))
    with app.app_context():
        host = db.session.query(User).filter_by(email=EMAIL).one()
        host.slug, host.timezone = "bench", "UTC"
        all_day = [{"start": "00:00", "end": "24:00"}]
        db.session.add(AvailabilityRules(user_id=host.id, weekly=dict.fromkeys(DAYS, all_day)))
        db.session.add(
            EventType(
                user_id=host.id,
                slug="call",
                title="Call",
                description="",
                duration_minutes=30,
                location_kind="google_meet",
                slot_interval_minutes=30,
                horizon_days=60,
            )
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def migrate(env: dict[str, str]) -> None:
    from flask_migrate import upgrade

    from kaleno.extensions import db

    app = create_app(load_config(env))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def book(http: requests.Session, url: str, start: datetime, index: int) -> tuple[int, float]:
    body = {
        "start": start.isoformat(),
        "name": f"Customer {index}",
        "email": f"customer{index}@example.org",
        "timezone": "Europe/Paris",
    }
    began = time.perf_counter()
    response = http.post(url, json=body, headers={"Idempotency-Key": uuid.uuid4().hex}, timeout=60)
    return response.status_code, time.perf_counter() - began


def run_phase(
    url: str, starts: list[datetime], clients: int
) -> tuple[float, list[tuple[int, float]]]:
    """POST one booking per start from ``clients`` threads; return wall time and results."""
    local = threading.local()
    barrier = threading.Barrier(clients)

    def session() -> requests.Session:
        if not hasattr(local, "http"):
            local.http = requests.Session()
        return local.http  # type: ignore[no-any-return]

    def warm(_: int) -> None:
        session().get(url.rsplit("/api/", 1)[0] + "/healthz", timeout=10)
        barrier.wait()

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(warm, range(clients)))
        began = time.perf_counter()
        results = list(
            pool.map(lambda item: book(session(), url, item[1], item[0]), enumerate(starts))
        )
        wall = time.perf_counter() - began
    return wall, results


def report(name: str, wall: float, results: list[tuple[int, float]]) -> None:
    statuses = Counter(status for status, _ in results)
    latencies = sorted(seconds * 1000 for _, seconds in results)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(
        f"bookings case={name} requests={len(results)} wall_s={wall:.2f} "
        f"created={statuses.get(201, 0)} conflicts={statuses.get(409, 0)} "
        f"other={sum(v for k, v in statuses.items() if k not in (201, 409))} "
        f"requests_per_s={len(results) / wall:.1f} "
        f"bookings_per_s={statuses.get(201, 0) / wall:.1f} "
        f"median_ms={statistics.median(latencies):.1f} p95_ms={p95:.1f} max_ms={latencies[-1]:.1f}"
    )


def calls_per_booking(calls: dict[str, int], created: int) -> str:
    """Google calls of the distinct phase per created booking, by method."""
    counted = ("calendar.freebusy.query", "calendar.events.insert")
    other = sum(v for k, v in calls.items() if k.startswith("calendar.") and k not in counted)
    return (
        f"google_calls_per_booking freebusy={calls.get(counted[0], 0) / created:.2f} "
        f"insert={calls.get(counted[1], 0) / created:.2f} "
        f"token_refresh={calls.get('oauth2.token.refresh', 0) / created:.3f} other_calendar={other}"
    )


def check_database(database_url: str) -> dict[str, int]:
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        overlaps = conn.execute(
            sa.text(
                "SELECT count(*) FROM bookings a JOIN bookings b ON a.id < b.id "
                "AND a.host_id = b.host_id AND a.active AND b.active "
                "AND a.blocked_start < b.blocked_end AND b.blocked_start < a.blocked_end"
            )
        ).scalar_one()
        rows = conn.execute(
            sa.text("SELECT google_sync, count(*) FROM bookings GROUP BY google_sync")
        ).all()
    engine.dispose()
    return {"overlapping_pairs": int(overlaps), **{f"sync_{k}": int(v) for k, v in rows}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "KALENO_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--bookings", type=int, default=400)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--web-threads", type=int, default=4)
    parser.add_argument("--contended", type=int, default=200)
    parser.add_argument("--slots", type=int, default=5)
    args = parser.parse_args()
    app_port, emulator_port = free_port(), free_port()
    base, emulator = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{emulator_port}"
    redirects = f"{base}/auth/google/callback,{base}/auth/google/calendar/callback"
    print(
        f"# python={platform.python_version()} machine={platform.machine()} cpus={os.cpu_count()} "
        f"web_workers={args.web_workers} web_threads={args.web_threads} clients={args.clients}"
    )
    with fresh_schema(args.database_url) as database_url:
        env = environment(database_url, base, emulator, args)
        migrate(env)
        emulator_cmd = [sys.executable, "-m", "kaleno.emulator", "--host", "127.0.0.1"]
        emulator_cmd += [
            "--port",
            str(emulator_port),
            "--client",
            f"{CLIENT_ID}:{CLIENT_SECRET}:{redirects}",
        ]
        gunicorn = [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "gunicorn.conf.py",
            "wsgi:app",
        ]
        with (
            process(emulator_cmd, env, f"{emulator}/.well-known/openid-configuration"),
            process(gunicorn, env, f"{base}/healthz"),
        ):
            connect_host(base, emulator)
            open_page(env)
            url = f"{base}/api/pages/bench/call/bookings"
            first = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
            distinct = [first + timedelta(minutes=30 * i) for i in range(args.bookings)]
            wall, results = run_phase(url, distinct, args.clients)
            report("distinct", wall, results)
            calls = requests.get(f"{emulator}/_emulator/state", timeout=30).json()["calls"]
            created = sum(1 for status, _ in results if status == 201)
            print(calls_per_booking(calls, created))
            later = distinct[-1] + timedelta(days=1)
            wanted = [
                later + timedelta(minutes=30 * (i % args.slots)) for i in range(args.contended)
            ]
            wall, results = run_phase(url, wanted, min(args.contended, 64))
            report("contended", wall, results)
            state = requests.get(f"{emulator}/_emulator/state", timeout=30).json()
            events = [e for e in state["events"].get(EMAIL, []) if e.get("status") != "cancelled"]
            checks = check_database(database_url)
            checks["google_events"] = len(events)
            checks["inserts_total"] = state["calls"].get("calendar.events.insert", 0)
            print("checks " + " ".join(f"{k}={v}" for k, v in sorted(checks.items())))


if __name__ == "__main__":
    main()
