"""Slots cost against the size of a host's booking history, on PostgreSQL.

Run from the repository root (PostgreSQL reachable at the URL given):

    .venv/bin/python bench/bench_slots_history.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test \
        [--sizes 1000,1000000] [--runs 200]

For each size, one process starts the Google emulator and Kaleno on a fresh PostgreSQL
schema (migrated), sets the host up as ``bench/bench_slots.py`` does (real OAuth flow,
Europe/Berlin working week, 30-minute events with buffers, 15-minute grid), stores that
many past bookings for the host (one an hour going back, a quarter of them cancelled,
then ``ANALYZE``) and asks for 31 days of slots:

- ``warm``: the answer cache is warm (the page-state query, then a cache hit);
- ``cold``: the free/busy and answer caches off, so every request reads the bookings in
  the window and asks the emulator's freeBusy over local HTTP.

Prints ``key=value`` lines, and for each case the ratio of the largest size's median to
the smallest's (issue 12 asks for at most 1.2).
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import urllib.parse
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_slots import (
    DAYS,
    ZONE,
    ZONE_NAME,
    get_ok,
    served,
    set_up_host,
    timed,
)
from config import TestConfig
from kaleno import create_app
from kaleno.emulator.testing import EmulatorServer
from kaleno.extensions import db

HISTORY_SQL = """
INSERT INTO bookings (id, host_id, event_type_id, status, active, start_at, end_at,
    blocked_start, blocked_end, customer_timezone, google_sync, sequence, locale,
    created_at, updated_at, cancelled_at, cancelled_by)
SELECT md5(random()::text || n::text)::uuid, :host, :event_type,
    CASE WHEN n % 4 = 0 THEN 'cancelled' ELSE 'confirmed' END, n % 4 <> 0,
    :now - n * interval '1 hour', :now - n * interval '1 hour' + interval '30 minutes',
    :now - n * interval '1 hour', :now - n * interval '1 hour' + interval '30 minutes',
    'UTC', 'synced', 0, 'en', :now - n * interval '1 hour', :now - n * interval '1 hour',
    CASE WHEN n % 4 = 0 THEN :now - n * interval '1 hour' END,
    CASE WHEN n % 4 = 0 THEN 'customer' END
FROM generate_series(1, :count) AS n
"""


def schema_url(base_url: str, schema: str) -> str:
    """``base_url`` with ``schema`` first on the search path."""
    parts = urllib.parse.urlsplit(base_url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    query["options"] = f"-csearch_path={schema},public"
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def build_app(database_url: str, emulator: EmulatorServer, base_url: str) -> Flask:
    """A migrated Kaleno app on ``database_url``, pointed at the emulator."""
    from flask_migrate import upgrade

    config = TestConfig({"KALENO_TEST_DATABASE_URL": database_url})
    config.GOOGLE_EMULATOR_URL = emulator.url
    config.BASE_URL = base_url
    config.FREEBUSY_CACHE_TTL_S = 3600
    config.LOG_LEVEL = "WARNING"
    config.finalize()
    app = create_app(config)
    with app.app_context():
        upgrade()
    return app


def store_history(app: Flask, count: int) -> None:
    """Store ``count`` past bookings for the bench host, then ANALYZE."""
    with app.app_context():
        host, event_type = db.session.execute(
            sa.text(
                "SELECT users.id, event_types.id FROM users JOIN event_types ON user_id = users.id"
            )
        ).one()
        now = datetime.now(ZONE).replace(minute=0, second=0, microsecond=0)
        db.session.execute(
            sa.text(HISTORY_SQL),
            {"host": host, "event_type": event_type, "now": now, "count": count},
        )
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def measure(base_url: str, size: int, runs: int) -> dict[str, float]:
    """Median milliseconds of the warm and the cold slots request with ``size`` bookings."""
    schema = f"bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        first_day = datetime.now(ZONE).date() + timedelta(days=1)
        last_day = first_day + timedelta(days=DAYS - 1)
        url = f"/api/pages/bench/call/slots?from={first_day}&to={last_day}&tz={ZONE_NAME}"
        with EmulatorServer() as emulator:
            late: dict[str, Flask] = {}
            with served(lambda environ, start: late["app"](environ, start)) as base:  # type: ignore[arg-type]
                app = late["app"] = build_app(schema_url(base_url, schema), emulator, base)
                set_up_host(app, emulator, base, first_day)
            store_history(app, size)
            client = app.test_client()
            get_ok(client, url)
            warm = statistics.median(timed(lambda: get_ok(client, url), runs))
            app.config["FREEBUSY_CACHE_TTL_S"] = 0
            cold = statistics.median(timed(lambda: get_ok(client, url), max(20, runs // 5)))
            with app.app_context():
                stored = db.session.execute(sa.text("SELECT count(*) FROM bookings")).scalar()
                db.session.remove()
                db.engine.dispose()
        print(
            f"slots_history bookings={stored} warm_median_ms={warm:.3f} cold_median_ms={cold:.3f}"
        )
        return {"warm": warm, "cold": cold}
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", required=True, help="PostgreSQL (SQLAlchemy URL)")
    parser.add_argument("--sizes", default="1000,1000000")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    results = {size: measure(args.database_url, size, args.runs) for size in sizes}
    small, large = results[min(sizes)], results[max(sizes)]
    for case in ("warm", "cold"):
        print(
            f"slots_history case={case} ratio_largest_to_smallest={large[case] / small[case]:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
