"""The real serving stack for benchmarks: PostgreSQL, the Google emulator, gunicorn, a host.

Shared by ``bench_bookings.py``, ``bench_load.py``, ``bench_soak.py`` and
``bench_faults.py``. Everything listens on 127.0.0.1 on ports chosen at run time; every
child process is terminated and every schema, database and temporary directory this
module makes is removed when its context manager exits.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from config import load_config, new_token_key_entry  # noqa: E402
from kaleno import create_app  # noqa: E402

EMAIL = "bench-host@example.com"
CLIENT_ID = "kaleno-bench.apps.googleusercontent.com"
CLIENT_SECRET = "kaleno-bench-" + secrets.token_hex(8)
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_DATABASE_URL = os.environ.get(
    "KALENO_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BIN = Path(sys.executable).parent
# Limits high enough that one client address never meets them during a benchmark.
UNLIMITED = "1000000/minute"


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
    """A new PostgreSQL schema in ``base_url``'s database, dropped afterwards."""
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


@contextmanager
def fresh_database(base_url: str) -> Iterator[str]:
    """A new PostgreSQL database next to ``base_url``'s, dropped afterwards.

    A database of its own makes ``pg_stat_activity`` counts the benchmark's alone.
    """
    name = f"kbench_{secrets.token_hex(5)}"
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    parts = urllib.parse.urlsplit(base_url)
    try:
        yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
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
def process(
    args: Sequence[str],
    env: dict[str, str],
    ready_url: str | None = None,
    log: Path | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a child process until the block ends; always terminate it. Its stdout is
    discarded (gunicorn's access log), its stderr goes to ``log`` when given."""
    stderr = log.open("wb") if log is not None else subprocess.DEVNULL
    proc = subprocess.Popen(list(args), env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        if ready_url is not None:
            wait_for(ready_url)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        if log is not None:
            stderr.close()  # type: ignore[union-attr]


def environment(
    database_url: str,
    base: str,
    emulator: str,
    *,
    web_workers: int,
    web_threads: int,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The KALENO_* environment of every process of one stack (rate limits raised)."""
    env = dict(os.environ)
    env.update(
        FLASK_APP="wsgi",
        KALENO_ENV="development",
        KALENO_DATABASE_URL=database_url,
        KALENO_SECRET_KEY=secrets.token_urlsafe(48),
        KALENO_TOKEN_KEYS=new_token_key_entry("bench1"),
        KALENO_GOOGLE_CLIENT_ID=CLIENT_ID,
        KALENO_GOOGLE_CLIENT_SECRET=CLIENT_SECRET,
        KALENO_GOOGLE_EMULATOR_URL=emulator,
        KALENO_BASE_URL=base,
        KALENO_LOG_LEVEL="WARNING",
        KALENO_RATE_LIMIT_BOOKING=UNLIMITED,
        KALENO_RATE_LIMIT_SIGNIN=UNLIMITED,
        KALENO_RATE_LIMIT_SLOTS=UNLIMITED,
        KALENO_RATE_LIMIT_PRIVACY=UNLIMITED,
        KALENO_BIND=base.removeprefix("http://"),
        KALENO_WEB_WORKERS=str(web_workers),
        KALENO_WEB_THREADS=str(web_threads),
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # each gunicorn makes and removes its own
    env.update(extra or {})
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
    """``flask db upgrade``: the real migrations, as their own step before serving."""
    subprocess.run(
        [str(BIN / "flask"), "db", "upgrade"],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def emulator_command(port: int, base: str) -> list[str]:
    redirects = f"{base}/auth/google/callback,{base}/auth/google/calendar/callback"
    return [
        sys.executable,
        "-m",
        "kaleno.emulator",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--client",
        f"{CLIENT_ID}:{CLIENT_SECRET}:{redirects}",
    ]


def gunicorn_command(app: str = "wsgi:app", *extra: str) -> list[str]:
    """gunicorn with the production config file (workers and threads from the env)."""
    return [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", *extra, app]


def worker_command(poll_interval: float = 0.2) -> list[str]:
    """One outbox worker process (``flask kaleno worker``)."""
    return [str(BIN / "flask"), "kaleno", "worker", "--poll-interval", str(poll_interval)]


def children(pid: int) -> list[int]:
    """The pids of ``pid``'s live child processes (gunicorn's workers for its master)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its closing paren.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def rss_kib(pid: int) -> int:
    """Resident set size of ``pid`` in KiB (``VmRSS`` of /proc/<pid>/status), 0 if gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted sequence (0 when empty)."""
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))]


def add_stack_arguments(parser: argparse.ArgumentParser, *, web_workers: int = 4) -> None:
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--web-workers", type=int, default=web_workers)
    parser.add_argument("--web-threads", type=int, default=4)


@dataclass
class Stack:
    """A running stack: app and emulator URLs, the database, gunicorn's master process."""

    base: str
    emulator: str
    database_url: str
    env: dict[str, str]
    gunicorn: subprocess.Popen[bytes]
    logs: Path
    exits: ExitStack = field(repr=False)
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def page(self) -> str:
        return f"{self.base}/api/pages/bench/call"

    def worker_pids(self) -> list[int]:
        return children(self.gunicorn.pid)

    def emulator_state(self) -> dict[str, Any]:
        return dict(requests.get(f"{self.emulator}/_emulator/state", timeout=60).json())

    def fault(self, method: str, status: int, count: int = 1, delay_ms: int = 0) -> None:
        body = {"method": method, "status": status, "count": count, "delay_ms": delay_ms}
        requests.post(f"{self.emulator}/_emulator/faults", json=body, timeout=10).raise_for_status()

    def start(
        self,
        name: str,
        args: Sequence[str],
        ready_url: str | None = None,
        env: dict[str, str] | None = None,
    ) -> subprocess.Popen[bytes]:
        """Start another child (stderr to ``<logs>/<name>.log``), stopped with the stack."""
        child = self.exits.enter_context(
            process(args, env or self.env, ready_url, self.logs / f"{name}.log")
        )
        self.children[name] = child
        return child

    def dead_children(self) -> list[str]:
        """``name(exit code)`` of every child that has stopped, with its last stderr line."""
        dead = []
        for name, child in {"gunicorn": self.gunicorn, **self.children}.items():
            if child.poll() is not None:
                lines = (self.logs / f"{name}.log").read_text(errors="replace").splitlines()
                dead.append(f"{name}(exit={child.returncode}): {lines[-1] if lines else ''}")
        return dead

    def sql(self, statement: str) -> list[tuple[Any, ...]]:
        engine = sa.create_engine(self.database_url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                return [tuple(row) for row in conn.execute(sa.text(statement))]
        finally:
            engine.dispose()


@contextmanager
def running_stack(
    args: argparse.Namespace,
    *,
    own_database: bool = True,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Stack]:
    """Database (own database, or own schema), migrations, emulator, gunicorn, a connected
    host with an open page (``/api/pages/bench/call``: 30-minute calls, around the clock)."""
    app_port, emulator_port = free_port(), free_port()
    base, emulator = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{emulator_port}"
    fresh = fresh_database if own_database else fresh_schema
    with ExitStack() as exits:
        logs = Path(exits.enter_context(tempfile.TemporaryDirectory(prefix="kaleno-bench-")))
        database_url = exits.enter_context(fresh(args.database_url))
        env = environment(
            database_url,
            base,
            emulator,
            web_workers=args.web_workers,
            web_threads=args.web_threads,
            extra=extra_env,
        )
        migrate(env)
        ready = f"{emulator}/.well-known/openid-configuration"
        command = emulator_command(emulator_port, base)
        exits.enter_context(process(command, env, ready, logs / "emulator.log"))
        gunicorn = exits.enter_context(
            process(gunicorn_command(), env, f"{base}/healthz", logs / "gunicorn.log")
        )
        connect_host(base, emulator)
        open_page(env)
        yield Stack(base, emulator, database_url, env, gunicorn, logs, exits)
