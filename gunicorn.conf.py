"""gunicorn settings for Kaleno: ``gunicorn -c gunicorn.conf.py wsgi:app`` (see ``make serve``).

Migrations are never run here: ``flask db upgrade`` is its own step before serving.
Every value can be set from the environment:

- ``KALENO_BIND`` (``127.0.0.1:8000``), ``KALENO_WEB_WORKERS`` (2 x CPUs + 1, at most 16),
  ``KALENO_WEB_THREADS`` (4), ``KALENO_WEB_TIMEOUT`` (30 s),
  ``KALENO_WEB_GRACEFUL_TIMEOUT`` (30 s), ``KALENO_WEB_KEEPALIVE`` (5 s).
- ``PROMETHEUS_MULTIPROC_DIR``: where workers write metric samples; a fresh temporary
  directory when unset. It must be set before ``prometheus_client`` is imported.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gunicorn import glogging  # type: ignore[import-untyped]

_created_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _created_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="kaleno-metrics-")
_metrics_dir = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
_metrics_dir.mkdir(parents=True, exist_ok=True)
for _stale in _metrics_dir.glob("*.db"):  # samples of a previous run would be summed in
    _stale.unlink()

from prometheus_client import multiprocess  # noqa: E402 - only after the directory is set


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, "") or default)


bind = os.environ.get("KALENO_BIND", "127.0.0.1:8000")
workers = _env_int("KALENO_WEB_WORKERS", min(2 * (os.cpu_count() or 1) + 1, 16))
threads = _env_int("KALENO_WEB_THREADS", 4)
worker_class = "gthread" if threads > 1 else "sync"
timeout = _env_int("KALENO_WEB_TIMEOUT", 30)
graceful_timeout = _env_int("KALENO_WEB_GRACEFUL_TIMEOUT", 30)
keepalive = _env_int("KALENO_WEB_KEEPALIVE", 5)
# Each worker builds its own app (and database pool) after the fork.
preload_app = False
proc_name = "kaleno"
# gunicorn's control socket lives at one path per user, so two servers would collide on it;
# operate with signals (HUP reloads, TERM stops gracefully) instead.
control_socket_disable = True
_SHM = "/dev/shm"  # noqa: S108 - gunicorn makes private, unlinked heartbeat files there
if Path(_SHM).is_dir():  # heartbeats off the disk
    worker_tmp_dir = _SHM

# One JSON object a line. %(U)s is the path without the query string: query strings carry
# OAuth codes and states, so %(r)s, %(q)s and the Referer (%(f)s) are never logged.
accesslog = "-"
errorlog = "-"
access_log_format = json.dumps(
    {
        "ts": "%(t)s",
        "remote": "%(h)s",
        "method": "%(m)s",
        "path": "%(U)s",
        "status": "%(s)s",
        "bytes": "%(b)s",
        "duration_ms": "%(M)s",
        "request_id": "%({x-request-id}o)s",
        "user_agent": "%(a)s",
    }
)


# The customer's manage link is /m/{token}, a privacy request's link
# /privacy/requests/{id}/t/{token}: the token never reaches a log line.
_MANAGE_TOKEN_PATH = re.compile(r"^/m/(?!b/)[^/]+")
_REQUEST_TOKEN_PATH = re.compile(r"^(/privacy/requests/[^/]+/t/)[^/]+")


class _JSONSafeAtoms(glogging.SafeAtoms):  # type: ignore[misc]
    """Atoms escaped for a JSON string (gunicorn only escapes double quotes)."""

    def __init__(self, atoms: dict[str, Any]) -> None:
        dict.__init__(self, atoms)

    def __getitem__(self, key: str) -> str:
        value = str(super().__getitem__(key))
        if key == "U":
            value = _MANAGE_TOKEN_PATH.sub("/m/[redacted]", value)
            value = _REQUEST_TOKEN_PATH.sub(r"\1[redacted]", value)
        return json.dumps(value)[1:-1]


class JSONAccessLogger(glogging.Logger):  # type: ignore[misc]
    """gunicorn's logger with access-log atoms that cannot break the JSON line."""

    atoms_wrapper_class = _JSONSafeAtoms

    def now(self) -> str:
        """The ``%(t)s`` atom as RFC 3339 UTC with milliseconds, like the app's own logs."""
        return datetime.now(UTC).isoformat(timespec="milliseconds")


logger_class = JSONAccessLogger


def on_starting(server: Any) -> None:
    """Check the configuration once in the master, before any worker is forked.

    A configuration the app would refuse stops gunicorn at once with the one-line reason
    and a non-zero status, so a supervisor sees the failure (workers would otherwise be
    refused and forked again forever). ``wsgi.py`` backs this up: a worker that still
    cannot build the app exits with gunicorn's boot-error status, which stops the master.
    """
    from config import ConfigError, load_config

    try:
        load_config()
    except ConfigError as error:
        sys.stderr.write(f"kaleno: refusing to start: {error}\n")
        on_exit(server)
        sys.exit(1)


def child_exit(server: Any, worker: Any) -> None:
    """Let the metrics of a dead worker stop counting as live (gauges)."""
    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def on_exit(server: Any) -> None:
    """Remove the metrics directory this config created."""
    if _created_metrics_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)
